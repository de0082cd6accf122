"""Regenerate spec_schema.json from the spec markdown (a developer tool).

    python tests/schema/extract_spec.py ../shared/spec/aybiza-database-schema.md

The conformance test reads only the JSON, so the project never needs the
spec at run time. The JSON is the spec as written; the project's deliberate
deviations (docs/decisions.md) are listed in test_schema_conformance.py.
"""

import json
import re
import sys
from pathlib import Path

TYPE_RE = re.compile(
    r"^(UUID|BIGSERIAL|TEXT|JSONB|INET|INTEGER|BOOLEAN|DOUBLE PRECISION|"
    r"VARCHAR\((\d+)\)|DECIMAL\((\d+),(\d+)\)|TIMESTAMP\(6\) WITH TIME ZONE)"
)
PG_TYPES = {
    "UUID": "uuid",
    "BIGSERIAL": "bigint",
    "TEXT": "text",
    "JSONB": "jsonb",
    "INET": "inet",
    "INTEGER": "integer",
    "BOOLEAN": "boolean",
    "DOUBLE PRECISION": "double precision",
}


def parse_default(text: str):
    """The DEFAULT expression as written (JSON parsed), or None."""
    m = re.search(r"DEFAULT\s+('(?:[^']|'')*'|NOW\(\)|TRUE|FALSE|-?\d+(?:\.\d+)?)", text, re.S)
    if not m:
        return None
    raw = m.group(1)
    if raw.startswith("'"):
        value = raw[1:-1].replace("''", "'")
        try:
            return {"json": json.loads(value)} if value[:1] in "{[" else {"text": value}
        except ValueError:
            return {"text": value}
    if raw == "NOW()":
        return {"now": True}
    if raw in ("TRUE", "FALSE"):
        return {"bool": raw == "TRUE"}
    return {"number": raw}


def parse_column(name: str, text: str) -> dict:
    definition = re.sub(r"\s+--.*$", "", text, flags=re.M).strip()
    m = TYPE_RE.match(definition)
    if not m:
        raise ValueError(f"unknown type in {name}: {definition!r}")
    kind = m.group(1)
    column = {"name": name}
    if kind.startswith("VARCHAR"):
        column.update(type="character varying", length=int(m.group(2)))
    elif kind.startswith("DECIMAL"):
        column.update(type="numeric", precision=int(m.group(3)), scale=int(m.group(4)))
    elif kind.startswith("TIMESTAMP"):
        column.update(type="timestamp with time zone", precision=6)
    else:
        column["type"] = PG_TYPES[kind]
    column["primary_key"] = "(PK)" in definition
    column["not_null"] = "NOT NULL" in definition or column["primary_key"]
    column["unique"] = bool(re.search(r"\bUNIQUE\b", definition))
    column["default"] = parse_default(definition)
    if kind == "BIGSERIAL":
        column["default"] = {"sequence": True}
        column["not_null"] = True
    check = re.search(r"CHECK \(\w+ IN \(([^)]*)\)\)", definition)
    column["check"] = re.findall(r"'([^']*)'", check.group(1)) if check else None
    ref = re.search(r"REFERENCES (\w+)\((\w+)\)(?: ON DELETE (CASCADE|SET NULL))?", definition)
    column["references"] = {"table": ref.group(1), "on_delete": ref.group(3) or "NO ACTION"} if ref else None
    return column


def parse_tables(spec: str) -> dict:
    tables, schema, current = {}, None, None
    lines = spec.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if m := re.match(r"### Schema: (\w+)", line):
            schema = m.group(1)
        elif m := re.match(r"#### Table: (\w+)(.*)", line):
            current = {"schema": schema, "hypertable": "Hypertable" in m.group(2), "columns": [], "unique_together": []}
            tables[m.group(1)] = current
        elif current is not None and (m := re.match(r"- `(\w+)`: (.*)", line)):
            text = m.group(2)
            while text.count("'") % 2:  # a multi-line JSON default
                i += 1
                text += "\n" + lines[i]
            current["columns"].append(parse_column(m.group(1), text))
        elif current is not None and (m := re.match(r"- UNIQUE \(([^)]*)\)", line)):
            current["unique_together"].append([c.strip() for c in m.group(1).split(",")])
        elif line.startswith("## ") and current is not None:
            current = None
        i += 1
    return tables


def parse_indexes(spec: str) -> dict:
    indexes = {}
    pattern = re.compile(
        r"CREATE (UNIQUE )?INDEX (CONCURRENTLY )?(\w+) ON (\w+)\(([^;]*?)\)(?: WHERE (.*?))?;"
    )
    for m in pattern.finditer(spec):
        columns = []
        for part in m.group(5).split(","):
            words = part.split()
            columns.append({"name": words[0], "desc": len(words) > 1 and words[1] == "DESC"})
        indexes[m.group(3)] = {
            "table": m.group(4),
            "unique": bool(m.group(1)),
            "concurrently": bool(m.group(2)),
            "columns": columns,
            "where": m.group(6),
        }
    return indexes


def main(path: str) -> None:
    spec = Path(path).read_text()
    data = {"tables": parse_tables(spec), "indexes": parse_indexes(spec)}
    out = Path(__file__).with_name("spec_schema.json")
    out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"{len(data['tables'])} tables, {len(data['indexes'])} indexes -> {out}")


if __name__ == "__main__":
    main(sys.argv[1])
