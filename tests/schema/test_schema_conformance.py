"""The migrated database, as PostgreSQL itself reports it, against the spec.

Everything here is read from information_schema / pg_catalog of the test
database that `migrate` built; the Django models are never consulted. The
expected side is `spec_schema.json` (the spec parsed by extract_spec.py),
adjusted only by the deliberate deviations listed below, each with its
reason. Any other difference fails, and names its table.
"""

import json
import re
from decimal import Decimal, InvalidOperation
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

SPEC = json.loads(Path(__file__).with_name("spec_schema.json").read_text())
TABLES = SPEC["tables"]
SPEC_INDEXES = SPEC["indexes"]
SCHEMA_OF = {name: table["schema"] for name, table in TABLES.items()}
SCHEMAS = sorted(set(SCHEMA_OF.values()))

# --------------------------------------------------------------------------
# Deliberate deviations from the spec as written. Each entry is data with a
# one-line reason; the tests check that the database shows exactly this
# deviation (so the list cannot silently go stale) and nothing else.
# --------------------------------------------------------------------------

# (table, column) -> (the DEFAULT expression PostgreSQL reports, reason)
ADDED_DEFAULTS = {
    (name, "id"): ("gen_random_uuid()", "a plain SQL INSERT gets an id too (spec gives the UUID PK no default)")
    for name, table in TABLES.items()
    if table["columns"][0]["name"] == "id" and table["columns"][0]["type"] == "uuid"
}

# (table, column) -> reason: columns of ours on a spec table (docs/decisions.md)
ADDED_COLUMNS = {
    ("compliance_reports", "documents"): "the stored JSON and PDF documents, a SHA-256 each (issue 11)",
    ("compliance_reports", "error_message"): "why a generation failed (status failed, issue 11)",
}

# table -> (primary key columns in order, reason)
PRIMARY_KEY_CHANGES = {
    name: (["id", "timestamp"], "a hypertable's unique keys must contain its time column (design/decisions.md)")
    for name, table in TABLES.items()
    if table["hypertable"]
}
# detailed_metrics.id is a bare BIGSERIAL in the spec (no PK at all): it gets the same (id, "timestamp") key.
PRIMARY_KEY_CHANGES["detailed_metrics"] = (
    ["id", "timestamp"],
    "spec gives BIGSERIAL without PK; Django needs a key, and a hypertable's key must hold its time column",
)

# (table, column) -> reason: the spec's REFERENCES is deliberately not created.
OMITTED_FOREIGN_KEYS = {
    ("node_executions", "execution_log_id"): (
        "execution_logs is a hypertable: a FK must reference (id, timestamp) and blocks drop_chunks; app cascades"
    ),
}

# Every FK is DEFERRABLE INITIALLY DEFERRED (the spec's REFERENCES would be NOT DEFERRABLE).
FOREIGN_KEYS_DEFERRED = (
    "Django creates every FK DEFERRABLE INITIALLY DEFERRED (fixtures load in any order); "
    "CASCADE/SET NULL still act at once, NO ACTION is checked at COMMIT"
)

# (table, column) -> (constraint name, reason): the spec's column UNIQUE plus
# its duplicate CREATE UNIQUE INDEX on the same column are one unique
# constraint carrying the index's name.
UNIQUE_NAMED_AFTER_SPEC_INDEX = {
    ("organizations", "slug"): ("idx_organizations_slug", "UNIQUE column + identical spec UNIQUE INDEX: one, not two"),
    ("tenants", "subdomain"): ("idx_tenants_subdomain", "UNIQUE column + identical spec UNIQUE INDEX: one, not two"),
    ("phone_numbers", "number"): ("idx_phone_numbers_number", "UNIQUE column + identical spec UNIQUE INDEX: one, not two"),
}

# Indexes the spec does not list, marked "# added (docs/decisions.md)" in the models.
# name -> (table, [(column, desc)], reason)
ADDED_INDEXES = {
    "idx_conversation_nodes_version": (
        "conversation_nodes", [("agent_version_id", False)], "inline/cascade lookups of a version's nodes"),
    "idx_workflow_nodes_version": (
        "workflow_nodes", [("workflow_version_id", False)], "inline/cascade lookups of a version's nodes"),
    "idx_workflow_connections_version": (
        "workflow_connections", [("workflow_version_id", False)], "inline/cascade lookups of a version's connections"),
    "idx_node_executions_log": (
        "node_executions", [("execution_log_id", False)], "no FK to the hypertable, still looked up and cascaded by it"),
    "idx_call_analytics_call_sid": (
        "call_analytics", [("call_sid", False)], "a call's analytics by call_sid"),
    "idx_detailed_metrics_tenant_time": (
        "detailed_metrics", [("tenant_id", False), ("timestamp", True)], "tenant locality instead of a space dimension"),
    "idx_detailed_metrics_call": (
        "detailed_metrics", [("call_sid", False), ("timestamp", False)], "a call's metrics"),
    "idx_prompt_injection_tenant_time": (
        "prompt_injection_attempts", [("tenant_id", False), ("timestamp", True)], "tenant locality"),
    "idx_voice_security_tenant_time": (
        "voice_security_events", [("tenant_id", False), ("timestamp", True)], "tenant locality"),
    # Newest first: admin changelists, rollup refresh and retention scan by time (docs/decisions.md).
    **{name: (table, [(column, True), ("id", True)], "newest first within a time window (admin, rollup refresh, retention)")
       for name, table, column in [
           ("idx_calls_start_time", "calls", "start_time"),
           ("idx_call_transcripts_created", "call_transcripts", "created_at"),
           ("idx_call_analytics_created", "call_analytics", "created_at"),
           ("idx_detailed_metrics_time", "detailed_metrics", "timestamp"),
           ("idx_execution_logs_time", "execution_logs", "timestamp"),
           ("idx_node_executions_started", "node_executions", "started_at"),
           ("idx_audit_logs_time", "audit_logs", "timestamp"),
           ("idx_security_events_time", "security_events", "timestamp"),
           ("idx_api_access_logs_time", "api_access_logs", "timestamp"),
           ("idx_prompt_injection_time", "prompt_injection_attempts", "timestamp"),
           ("idx_voice_security_time", "voice_security_events", "timestamp"),
       ]},
}

# Partial UNIQUE indexes the spec does not list, declared as UniqueConstraint(condition=...) in the models.
# name -> (table, [(column, desc)], predicate as pg_get_expr() prints it, reason)
ADDED_PARTIAL_UNIQUE_INDEXES = {
    "agent_versions_one_published": (
        "agent_versions", [("agent_id", False)], "is_published", "at most one published version per agent"),
    "workflow_versions_one_published": (
        "workflow_versions", [("workflow_id", False)], "is_published", "at most one published version per workflow"),
    "tool_versions_one_published": (
        "tool_versions", [("tool_id", False)], "is_published", "at most one published version per tool"),
}

# Partial (non-unique) indexes the spec does not list: name -> (table, [(column, desc)], predicate, reason).
ADDED_PARTIAL_INDEXES = {
    "idx_calls_active_tenant": (
        "calls", [("tenant_id", False), ("start_time", False)],
        "((status)::text = ANY ((ARRAY['initiated'::character varying, 'ringing'::character varying, "
        "'answered'::character varying])::text[]))",
        "a tenant's active calls, counted at every routing resolve (analytics/services/routing.py)"),
}

CONFDELTYPE = {"CASCADE": "c", "SET NULL": "n", "NO ACTION": "a", "RESTRICT": "r", "SET DEFAULT": "d"}

# --------------------------------------------------------------------------
# Introspection of the live database (once per module).
# --------------------------------------------------------------------------

COLUMNS_SQL = """
SELECT c.table_name, c.column_name, c.data_type, c.character_maximum_length, c.numeric_precision,
       c.numeric_scale, c.datetime_precision, c.is_nullable = 'YES', c.column_default,
       pg_get_serial_sequence(format('%%I.%%I', c.table_schema, c.table_name), c.column_name)
FROM information_schema.columns c
WHERE c.table_schema = %s
ORDER BY c.table_name, c.ordinal_position
"""

TABLES_SQL = """
SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_name = ANY(%s)
"""

CONSTRAINTS_SQL = """
SELECT t.relname, con.conname, con.contype,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
       rn.nspname, rt.relname,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord),
       con.confdeltype, con.confupdtype, con.confmatchtype, con.condeferrable, con.condeferred,
       pg_get_constraintdef(con.oid), ci.relname
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
LEFT JOIN pg_class rt ON rt.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rt.relnamespace
LEFT JOIN pg_class ci ON ci.oid = con.conindid
WHERE n.nspname = %s AND con.contype <> 'n'
"""

INDEXES_SQL = """
SELECT n.nspname, t.relname, i.relname, x.indisunique, x.indisprimary, x.indisvalid, x.indisready,
       x.indnatts, x.indnkeyatts, x.indexprs IS NOT NULL, pg_get_expr(x.indpred, x.indrelid), am.amname,
       ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.ord),
       ARRAY(SELECT o FROM unnest(x.indoption::int2[]) WITH ORDINALITY k(o, ord) ORDER BY k.ord),
       (SELECT c.contype FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid
          AND c.contype IN ('p', 'u')),
       (SELECT c.conname FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid
          AND c.contype IN ('p', 'u'))
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
WHERE n.nspname = %s
"""

INDOPTION_DESC = 1  # pg_index.indoption bits: 1 = DESC, 2 = NULLS FIRST
INDOPTION_NULLS_FIRST = 2


def _introspect() -> dict:
    live = {"tables": {}, "columns": {}, "constraints": {}, "indexes": {}, "spec_predicates": {}}
    with connection.cursor() as cursor:
        cursor.execute(TABLES_SQL, [list(TABLES)])
        for schema, name, kind in cursor.fetchall():
            live["tables"].setdefault(name, []).append((schema, kind))
        for schema in SCHEMAS:
            cursor.execute(COLUMNS_SQL, [schema])
            for row in cursor.fetchall():
                table, column = row[0], row[1]
                live["columns"].setdefault((schema, table), {})[column] = {
                    "type": row[2], "length": row[3], "precision": row[4], "scale": row[5],
                    "datetime_precision": row[6], "nullable": row[7], "default": row[8], "serial_sequence": row[9],
                }
            cursor.execute(CONSTRAINTS_SQL, [schema])
            for row in cursor.fetchall():
                live["constraints"].setdefault((schema, row[0]), []).append({
                    "name": row[1], "type": row[2], "columns": list(row[3]),
                    "ref_schema": row[4], "ref_table": row[5], "ref_columns": list(row[6]),
                    "on_delete": row[7], "on_update": row[8], "match": row[9],
                    "deferrable": row[10], "deferred": row[11], "definition": row[12], "index": row[13],
                })
            cursor.execute(INDEXES_SQL, [schema])
            for row in cursor.fetchall():
                live["indexes"].setdefault((row[0], row[1]), {})[row[2]] = {
                    "unique": row[3], "primary": row[4], "valid": row[5] and row[6],
                    "natts": row[7], "nkeyatts": row[8], "expressions": row[9], "predicate": row[10],
                    "method": row[11], "columns": list(row[12]), "options": list(row[13]),
                    "constraint_type": row[14], "constraint_name": row[15],
                }
    live["spec_predicates"] = _canonical_spec_predicates()
    return live


def _canonical_spec_predicates() -> dict:
    """Each spec partial-index predicate as PostgreSQL prints it on the real table's columns.

    The spec's WHERE is compiled by the server on a temporary copy of the
    table (rolled back), so `IN (...)` and casts come out in the same form
    pg_get_expr() gives for the live index.
    """
    predicates = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            for position, (name, index) in enumerate(sorted(SPEC_INDEXES.items())):
                if not index["where"]:
                    continue
                temp = f"spec_predicate_{position}"
                source = f'"{SCHEMA_OF[index["table"]]}"."{index["table"]}"'
                cursor.execute(f'CREATE TEMP TABLE "{temp}" (LIKE {source})')
                columns = ", ".join(f'"{c["name"]}"' for c in index["columns"])
                cursor.execute(f'CREATE INDEX "{temp}_idx" ON "{temp}" ({columns}) WHERE {index["where"]}')
                cursor.execute(
                    "SELECT pg_get_expr(x.indpred, x.indrelid) FROM pg_index x WHERE x.indexrelid = %s::regclass",
                    [f'pg_temp."{temp}_idx"'],
                )
                predicates[name] = cursor.fetchone()[0]
        transaction.set_rollback(True)
    return predicates


@pytest.fixture(scope="module")
def live(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return _introspect()


# --------------------------------------------------------------------------
# Helpers: expected values and semantic comparison of DEFAULT expressions.
# --------------------------------------------------------------------------

SQL_LITERAL_RE = re.compile(r"^'((?:[^']|'')*)'(?:::[\w\s]+(?:\(\d+\))?)?$")


def _sql_literal(expr: str):
    m = SQL_LITERAL_RE.match(expr)
    return m.group(1).replace("''", "'") if m else None


def _wrapped(expr: str) -> bool:
    """True when the first "(" closes at the very end, e.g. "(a = b)" but not "(a) = (b)"."""
    if not (expr.startswith("(") and expr.endswith(")")):
        return False
    depth = 0
    for position, char in enumerate(expr):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return position == len(expr) - 1
    return False


def _strip_parens(expr: str) -> str:
    while _wrapped(expr):
        expr = expr[1:-1]
    return expr


def default_problem(spec_default, actual: str | None, column: dict) -> str | None:
    """Why the live DEFAULT does not mean the spec's DEFAULT (None when it does)."""
    if spec_default is None:
        return None if actual is None else f"no DEFAULT expected, found {actual!r}"
    if actual is None:
        return f"DEFAULT {spec_default} expected, found none"
    kind, value = next(iter(spec_default.items()))
    if kind == "json":
        literal = _sql_literal(actual)
        if literal is None or not actual.endswith("::jsonb"):
            return f"JSONB DEFAULT {value!r} expected, found {actual!r}"
        found = json.loads(literal)
        # json.loads keeps 1.0 and 1 apart only by type; compare the documents exactly, types included.
        if json.dumps(found, sort_keys=True) != json.dumps(value, sort_keys=True):
            return f"JSONB DEFAULT {value!r} expected, found {found!r}"
        return None
    if kind == "text":
        literal = _sql_literal(actual)
        return None if literal == value else f"DEFAULT {value!r} expected, found {actual!r}"
    if kind == "number":
        literal = _sql_literal(actual)
        text = _strip_parens(literal if literal is not None else actual)
        try:
            same = Decimal(text) == Decimal(value)
        except InvalidOperation:
            same = False
        return None if same else f"DEFAULT {value} expected, found {actual!r}"
    if kind == "bool":
        return None if actual == ("true" if value else "false") else f"DEFAULT {value} expected, found {actual!r}"
    if kind == "now":
        return None if actual == "now()" else f"DEFAULT NOW() expected, found {actual!r}"
    if kind == "sequence":
        sequence = column["serial_sequence"]
        if sequence is None or actual != f"nextval('{sequence}'::regclass)":
            return f"BIGSERIAL nextval() of the column's owned sequence expected, found {actual!r}"
        return None
    raise AssertionError(f"unknown spec default {spec_default!r}")


def expected_primary_key(table_name: str) -> list[str]:
    if table_name in PRIMARY_KEY_CHANGES:
        return PRIMARY_KEY_CHANGES[table_name][0]
    return [c["name"] for c in TABLES[table_name]["columns"] if c["primary_key"]]


def spec_unique_sets(table_name: str) -> list[list[str]]:
    table = TABLES[table_name]
    sets = [[c["name"]] for c in table["columns"] if c["unique"]]
    return sets + [list(columns) for columns in table["unique_together"]]


def check_values(definition: str) -> list[str]:
    return [v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'::(?:character varying|text)", definition)]


def simplify_predicate(predicate: str | None, boolean_columns: set[str]) -> str | None:
    """`(flag = true)` and `flag` are the same predicate on a boolean column; PostgreSQL keeps what was written."""
    if predicate is None:
        return None
    for column in boolean_columns:
        predicate = re.sub(rf"\({re.escape(column)} = true\)|\b{re.escape(column)} = true\b", column, predicate)
    return _strip_parens(predicate)


def table_columns(live, name):
    return live["columns"].get((SCHEMA_OF[name], name), {})


def table_constraints(live, name):
    return live["constraints"].get((SCHEMA_OF[name], name), [])


def table_indexes(live, name):
    return live["indexes"].get((SCHEMA_OF[name], name), {})


def report(problems: list[str], table_name: str) -> str:
    return f"{SCHEMA_OF[table_name]}.{table_name} differs from the spec:\n  " + "\n  ".join(problems)


# --------------------------------------------------------------------------
# The tests, one per table and aspect.
# --------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def test_spec_lists_thirty_tables():
    assert len(TABLES) == 30
    assert all(SPEC_INDEXES[name]["table"] in TABLES for name in SPEC_INDEXES)
    assert set(ADDED_INDEXES).isdisjoint(SPEC_INDEXES)
    assert set(ADDED_PARTIAL_UNIQUE_INDEXES).isdisjoint(SPEC_INDEXES)
    assert set(ADDED_PARTIAL_INDEXES).isdisjoint(SPEC_INDEXES)


@pytest.mark.parametrize("table_name", TABLES)
def test_table_lives_in_its_spec_schema(live, table_name):
    assert live["tables"].get(table_name) == [(SCHEMA_OF[table_name], "BASE TABLE")], (
        f"{table_name}: expected exactly one BASE TABLE in schema {SCHEMA_OF[table_name]}, "
        f"found {live['tables'].get(table_name)}"
    )


@pytest.mark.parametrize("table_name", TABLES)
def test_columns(live, table_name):
    actual = table_columns(live, table_name)
    expected = {c["name"]: c for c in TABLES[table_name]["columns"]}
    problems = []
    if missing := sorted(set(expected) - set(actual)):
        problems.append(f"missing columns: {missing}")
    problems += [f"listed added column {c} is missing" for t, c in ADDED_COLUMNS if t == table_name and c not in actual]
    if extra := sorted(set(actual) - set(expected) - {c for t, c in ADDED_COLUMNS if t == table_name}):
        problems.append(f"columns not in the spec: {extra}")
    for name, spec in expected.items():
        if name not in actual:
            continue
        col = actual[name]
        where = f"{table_name}.{name}"
        if col["type"] != spec["type"]:
            problems.append(f"{where}: type {spec['type']} expected, found {col['type']}")
        if spec["type"] == "character varying" and col["length"] != spec["length"]:
            problems.append(f"{where}: VARCHAR({spec['length']}) expected, found VARCHAR({col['length']})")
        if spec["type"] == "numeric" and (col["precision"], col["scale"]) != (spec["precision"], spec["scale"]):
            problems.append(
                f"{where}: DECIMAL({spec['precision']},{spec['scale']}) expected, "
                f"found DECIMAL({col['precision']},{col['scale']})"
            )
        if spec["type"] == "timestamp with time zone" and col["datetime_precision"] != spec["precision"]:
            problems.append(f"{where}: TIMESTAMP({spec['precision']}) expected, found ({col['datetime_precision']})")
        if col["nullable"] == spec["not_null"]:
            problems.append(f"{where}: {'NOT NULL' if spec['not_null'] else 'nullable'} expected")
        if (table_name, name) in ADDED_DEFAULTS:
            wanted = ADDED_DEFAULTS[(table_name, name)][0]
            assert spec["default"] is None, f"{where}: listed as an added default, but the spec has one"
            if col["default"] != wanted:
                problems.append(f"{where}: deliberate DEFAULT {wanted} expected, found {col['default']!r}")
        elif problem := default_problem(spec["default"], col["default"], col):
            problems.append(f"{where}: {problem}")
    assert not problems, report(problems, table_name)


@pytest.mark.parametrize("table_name", TABLES)
def test_primary_key(live, table_name):
    keys = [c for c in table_constraints(live, table_name) if c["type"] == "p"]
    expected = expected_primary_key(table_name)
    assert len(keys) == 1, f"{table_name}: one PRIMARY KEY expected, found {keys}"
    assert keys[0]["columns"] == expected, f"{table_name}: PRIMARY KEY {expected} expected, found {keys[0]['columns']}"
    assert keys[0]["name"] == f"{table_name}_pkey"


@pytest.mark.parametrize("table_name", TABLES)
def test_check_constraints(live, table_name):
    checks = {c["name"]: c for c in table_constraints(live, table_name) if c["type"] == "c"}
    problems = []
    expected_names = set()
    for column in TABLES[table_name]["columns"]:
        if column["check"] is None:
            continue
        name = f"{table_name}_{column['name']}_check"
        expected_names.add(name)
        check = checks.get(name)
        if check is None:
            problems.append(f"CHECK {name} on {column['name']} IN {column['check']} is missing")
            continue
        if check["columns"] != [column["name"]]:
            problems.append(f"{name}: constrains {check['columns']}, expected [{column['name']!r}]")
        if " = ANY (" not in check["definition"] or check["definition"].count("ARRAY[") != 1:
            problems.append(f"{name}: not a plain `{column['name']} IN (...)`: {check['definition']}")
        if check_values(check["definition"]) != column["check"]:
            problems.append(f"{name}: values {column['check']} expected, found {check_values(check['definition'])}")
    if extra := sorted(set(checks) - expected_names):
        problems.append(f"CHECK constraints not in the spec: {[checks[n]['definition'] for n in extra]} ({extra})")
    assert not problems, report(problems, table_name)


@pytest.mark.parametrize("table_name", TABLES)
def test_unique_constraints(live, table_name):
    constraints = table_constraints(live, table_name)
    indexes = table_indexes(live, table_name)
    enforcing = [  # (name, column set) of everything that enforces uniqueness over plain columns, for every row
        (name, set(index["columns"]))
        for name, index in indexes.items()
        if index["unique"] and not index["primary"] and index["predicate"] is None and not index["expressions"]
        and index["valid"]
    ]
    problems = []
    for columns in spec_unique_sets(table_name):
        matches = [name for name, cols in enforcing if cols == set(columns)]
        if not matches:
            problems.append(f"UNIQUE ({', '.join(columns)}) is not enforced by any unique constraint or full unique index")
            continue
        if len(columns) == 1 and (table_name, columns[0]) in UNIQUE_NAMED_AFTER_SPEC_INDEX:
            wanted = UNIQUE_NAMED_AFTER_SPEC_INDEX[(table_name, columns[0])][0]
            if matches != [wanted]:
                problems.append(f"UNIQUE ({columns[0]}): one constraint named {wanted} expected, found {matches}")
            elif indexes[wanted]["constraint_type"] != "u":
                problems.append(f"{wanted}: expected to be a UNIQUE constraint, it is a bare index")
        elif len(matches) > 1:
            problems.append(f"UNIQUE ({', '.join(columns)}) is enforced twice: {matches}")
    # No uniqueness the spec does not ask for (unique constraints only; indexes are checked below).
    spec_sets = [set(c) for c in spec_unique_sets(table_name)]
    for constraint in constraints:
        if constraint["type"] == "u" and set(constraint["columns"]) not in spec_sets:
            problems.append(f"UNIQUE constraint {constraint['name']} {constraint['columns']} is not in the spec")
    assert not problems, report(problems, table_name)


@pytest.mark.parametrize("table_name", TABLES)
def test_foreign_keys(live, table_name):
    fks = [c for c in table_constraints(live, table_name) if c["type"] == "f"]
    by_column = {}
    problems = []
    for fk in fks:
        if len(fk["columns"]) != 1:
            problems.append(f"{fk['name']}: multi-column FK {fk['columns']} is not in the spec")
            continue
        by_column.setdefault(fk["columns"][0], []).append(fk)
    expected = {c["name"]: c["references"] for c in TABLES[table_name]["columns"] if c["references"]}
    for column, reference in expected.items():
        where = f"{table_name}.{column}"
        if (table_name, column) in OMITTED_FOREIGN_KEYS:
            if column in by_column:
                problems.append(f"{where}: deliberately has no FK, found {[f['name'] for f in by_column[column]]}")
            continue
        found = by_column.get(column, [])
        if len(found) != 1:
            problems.append(f"{where}: one FK to {reference['table']} expected, found {len(found)}")
            continue
        fk = found[0]
        target = (SCHEMA_OF[reference["table"]], reference["table"], ["id"])
        if (fk["ref_schema"], fk["ref_table"], fk["ref_columns"]) != target:
            problems.append(f"{where}: REFERENCES {target} expected, found "
                            f"{(fk['ref_schema'], fk['ref_table'], fk['ref_columns'])}")
        if fk["on_delete"] != CONFDELTYPE[reference["on_delete"]]:
            problems.append(f"{where}: ON DELETE {reference['on_delete']} expected, found confdeltype "
                            f"{fk['on_delete']!r} ({fk['definition']})")
        if (fk["on_update"], fk["match"]) != ("a", "s"):
            problems.append(f"{where}: ON UPDATE NO ACTION / MATCH SIMPLE expected: {fk['definition']}")
        if (fk["deferrable"], fk["deferred"]) != (True, True):  # FOREIGN_KEYS_DEFERRED
            problems.append(f"{where}: DEFERRABLE INITIALLY DEFERRED expected (Django's FKs): {fk['definition']}")
    for column in sorted(set(by_column) - set(expected)):
        problems.append(f"{table_name}.{column}: FK not in the spec: {[f['definition'] for f in by_column[column]]}")
    assert not problems, report(problems, table_name)


def _index_columns(index) -> list[tuple[str, bool]]:
    return [(name, bool(option & INDOPTION_DESC)) for name, option in zip(index["columns"], index["options"])]


def _index_shape_problems(name, index, columns: list[tuple[str, bool]]) -> list[str]:
    problems = []
    if index["method"] != "btree":
        problems.append(f"{name}: btree expected, found {index['method']}")
    if index["expressions"] or index["natts"] != index["nkeyatts"] or index["natts"] != len(columns):
        problems.append(f"{name}: plain key columns expected (no expressions / INCLUDE)")
    if _index_columns(index) != columns:
        problems.append(f"{name}: columns {columns} expected, found {_index_columns(index)}")
    for (column, desc), option in zip(columns, index["options"]):
        # Default NULLS placement: NULLS LAST for ASC, NULLS FIRST for DESC.
        expected = (INDOPTION_DESC | INDOPTION_NULLS_FIRST) if desc else 0
        if option != expected:
            problems.append(f"{name}: {column} has non-default ordering options {option}")
    if not index["valid"]:
        problems.append(f"{name}: index is not valid/ready (failed CONCURRENTLY build?)")
    return problems


@pytest.mark.parametrize("table_name", TABLES)
def test_spec_indexes(live, table_name):
    indexes = table_indexes(live, table_name)
    columns = table_columns(live, table_name)
    booleans = {name for name, col in columns.items() if col["type"] == "boolean"}
    problems = []
    for name, spec in sorted(SPEC_INDEXES.items()):
        if spec["table"] != table_name:
            continue
        index = indexes.get(name)
        if index is None:
            problems.append(f"index {name} is missing from {SCHEMA_OF[table_name]}.{table_name}")
            continue
        if index["unique"] != spec["unique"]:
            problems.append(f"{name}: {'UNIQUE' if spec['unique'] else 'non-unique'} expected")
        problems += _index_shape_problems(name, index, [(c["name"], c["desc"]) for c in spec["columns"]])
        wanted = simplify_predicate(live["spec_predicates"].get(name), booleans)
        found = simplify_predicate(index["predicate"], booleans)
        if wanted != found:
            problems.append(f"{name}: WHERE {spec['where']!r} (as {wanted!r}) expected, found {index['predicate']!r}")
    assert not problems, report(problems, table_name)


@pytest.mark.parametrize("table_name", TABLES)
def test_no_unexpected_indexes(live, table_name):
    indexes = table_indexes(live, table_name)
    spec_sets = [set(c) for c in spec_unique_sets(table_name)]
    spec_names = {n for n, s in SPEC_INDEXES.items() if s["table"] == table_name}
    problems = []
    for name, index in sorted(indexes.items()):
        if index["primary"] and name == f"{table_name}_pkey":
            continue
        if name in spec_names:
            continue
        if index["constraint_type"] == "u" and set(index["columns"]) in spec_sets:
            continue
        if name in ADDED_INDEXES and ADDED_INDEXES[name][0] == table_name:
            added = ADDED_INDEXES[name]
            problems += _index_shape_problems(name, index, added[1])
            if index["unique"] or index["predicate"] is not None:
                problems.append(f"{name}: the listed addition is a plain, non-unique, non-partial index")
            continue
        if name in ADDED_PARTIAL_UNIQUE_INDEXES and ADDED_PARTIAL_UNIQUE_INDEXES[name][0] == table_name:
            _table, columns, predicate, _reason = ADDED_PARTIAL_UNIQUE_INDEXES[name]
            problems += _index_shape_problems(name, index, columns)
            if not index["unique"] or index["predicate"] != predicate:
                problems.append(f"{name}: UNIQUE ... WHERE {predicate} expected, found unique={index['unique']}, "
                                f"where={index['predicate']}")
            continue
        if name in ADDED_PARTIAL_INDEXES and ADDED_PARTIAL_INDEXES[name][0] == table_name:
            _table, columns, predicate, _reason = ADDED_PARTIAL_INDEXES[name]
            problems += _index_shape_problems(name, index, columns)
            if index["unique"] or index["predicate"] != predicate:
                problems.append(f"{name}: non-unique ... WHERE {predicate} expected, found unique={index['unique']}, "
                                f"where={index['predicate']}")
            continue
        problems.append(f"unexpected index {name} on {index['columns']} (unique={index['unique']}, "
                        f"where={index['predicate']})")
    for name, (table, *_rest) in [*ADDED_INDEXES.items(), *ADDED_PARTIAL_UNIQUE_INDEXES.items(),
                                  *ADDED_PARTIAL_INDEXES.items()]:
        if table == table_name and name not in indexes:
            problems.append(f"listed addition {name} is missing (remove it from ADDED_INDEXES if dropped)")
    assert not problems, report(problems, table_name)


def test_every_deviation_names_a_spec_column():
    for table_name, column in [*ADDED_DEFAULTS, *OMITTED_FOREIGN_KEYS, *UNIQUE_NAMED_AFTER_SPEC_INDEX]:
        assert column in {c["name"] for c in TABLES[table_name]["columns"]}, (table_name, column)
    for table_name, column in OMITTED_FOREIGN_KEYS:
        assert next(c for c in TABLES[table_name]["columns"] if c["name"] == column)["references"]
    for (table_name, column), (index_name, _reason) in UNIQUE_NAMED_AFTER_SPEC_INDEX.items():
        spec_index = SPEC_INDEXES[index_name]
        assert spec_index["table"] == table_name and spec_index["unique"] and spec_index["where"] is None
        assert [c["name"] for c in spec_index["columns"]] == [column]
    assert FOREIGN_KEYS_DEFERRED


def test_models_match_migrations():
    """`makemigrations --check --dry-run`: the models have no change the migrations lack."""
    out = StringIO()
    try:
        call_command("makemigrations", check=True, dry_run=True, verbosity=1, stdout=out)
    except SystemExit as exc:  # raised (status 1) when makemigrations would write a migration
        pytest.fail(f"makemigrations --check reports model changes without a migration (exit {exc.code}):\n"
                    f"{out.getvalue()}")
    assert out.getvalue().strip() == "No changes detected"
