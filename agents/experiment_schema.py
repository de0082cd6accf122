"""The schema of `agent_versions.a_b_test_config`: an experiment between versions of one agent.

    {
      "experiment_id": "greeting-2026-12",          # required; names the experiment (sticky hash seed)
      "status": "running",                          # running | stopped | promoted (default running)
      "variants": [                                 # 2..10 distinct versions of this agent,
        {"version_id": "<uuid>", "weight": 50},     #   each published or testing when configured;
        {"version_id": "<uuid>", "weight": 50}      #   integer weights summing to 100
      ],
      "start": "2026-12-01T00:00:00Z",              # optional: not running before
      "end": "2026-12-31T00:00:00Z",                # optional: not running from then on (after start)
      "minimum_detectable_effect": 0.05,            # optional: absolute change in completion rate
      "ended_at": "...", "winner_version_id": "..." # written by the stop/promote services
    }

`{}` means no experiment. Only the agent's published version's configuration is in force.
Assignment is sticky: a caller's variant is a stable hash of (experiment_id, caller number)
mapped to 0..99 and looked up in the cumulative weights; no randomness per call.
This module imports no model: AgentVersion.clean() passes in what it needs.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from jsonschema import Draft202012Validator

FIELD = "a_b_test_config"
STATUSES = ("running", "stopped", "promoted")
VARIANT_STATUSES = ("published", "testing")

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["experiment_id", "variants"],
    "properties": {
        "experiment_id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
        "status": {"enum": list(STATUSES)},
        "variants": {
            "type": "array", "minItems": 2, "maxItems": 10,
            "items": {
                "type": "object", "additionalProperties": False, "required": ["version_id", "weight"],
                "properties": {
                    "version_id": {"type": "string", "format": "uuid"},
                    "weight": {"type": "integer", "minimum": 0, "maximum": 100},
                },
            },
        },
        "start": {"type": ["string", "null"]},
        "end": {"type": ["string", "null"]},
        "minimum_detectable_effect": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "ended_at": {"type": ["string", "null"]},
        "winner_version_id": {"type": ["string", "null"]},
    },
}
_VALIDATOR = Draft202012Validator(SCHEMA)


def _when(value, name: str, problems: list[str]) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        problems.append(f"{name}: an ISO 8601 date-time with a time zone.")
        return None
    return parsed


def schema_problems(config) -> list[str]:
    """Problems with the shape of `config` ("<path>: message"), without looking at the database."""
    if config in ({}, None):
        return []
    problems = []
    for error in sorted(_VALIDATOR.iter_errors(config), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path) or "config"
        problems.append(f"{path}: {error.message}")
    if problems:
        return problems
    ids = [variant["version_id"] for variant in config["variants"]]
    for index, value in enumerate(ids):
        try:
            uuid.UUID(value)
        except ValueError:
            problems.append(f"variants.{index}.version_id: not a UUID.")
    if len(set(ids)) != len(ids):
        problems.append("variants: each version may appear once.")
    total = sum(variant["weight"] for variant in config["variants"])
    if total != 100:
        problems.append(f"variants: weights must sum to 100 (they sum to {total}).")
    start = _when(config.get("start"), "start", problems)
    end = _when(config.get("end"), "end", problems)
    if start and end and end <= start:
        problems.append("end: must be after start.")
    return problems


def validate_config(config, *, statuses: dict[str, str], check_statuses: bool = True) -> None:
    """ValidationError({"a_b_test_config": [...]}) unless `config` is a valid experiment.

    `statuses` maps each variant's version id (str) to its status, for the versions of the same
    agent only: a variant missing from it is not a version of this agent. `check_statuses`
    is False for a finished experiment (its variants may since have been archived).
    """
    problems = schema_problems(config)
    if not problems and config not in ({}, None):
        for index, variant in enumerate(config["variants"]):
            status = statuses.get(str(uuid.UUID(variant["version_id"])))
            if status is None:
                problems.append(f"variants.{index}.version_id: not a version of this agent.")
            elif check_statuses and status not in VARIANT_STATUSES:
                problems.append(f"variants.{index}.version_id: version is {status}; it must be published or testing.")
    if problems:
        raise ValidationError({FIELD: problems})


def variant_ids(config) -> list[str]:
    if not isinstance(config, dict) or not isinstance(config.get("variants"), list):
        return []
    return [str(v.get("version_id")) for v in config["variants"] if isinstance(v, dict)]


def is_running(config, now: datetime) -> bool:
    """True when `config` is a well-formed experiment in force at `now` (a malformed one never runs)."""
    if not isinstance(config, dict) or not config or schema_problems(config):
        return False
    if config.get("status", "running") != "running":
        return False
    start, end = (parse_datetime(config[k]) if config.get(k) else None for k in ("start", "end"))
    return (start is None or now >= start) and (end is None or now < end)


def bucket(experiment_id: str, caller: str) -> int:
    """0..99, stable for (experiment, caller): SHA-256 of both, first 8 bytes mod 100."""
    digest = hashlib.sha256(f"{experiment_id}\x00{caller}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


def assign(config, caller: str) -> str:
    """The version id (str) a caller runs in a running experiment: sticky, weighted."""
    point = bucket(config["experiment_id"], caller)
    upto = 0
    for variant in config["variants"]:
        upto += variant["weight"]
        if point < upto:
            return str(uuid.UUID(variant["version_id"]))
    raise AssertionError("weights sum to 100")  # unreachable for a validated config
