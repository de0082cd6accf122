"""Replacing PII findings in text and JSON with their type in brackets ([PHONE_NUMBER], ...).

The mechanism only: what to redact comes from detection.py; the service that
redacts a stored transcript (and audits it) is analytics/services/redaction.py.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import version

from .detection import ENTITIES, detect


def placeholder(entity_type: str) -> str:
    return f"[{entity_type}]"


@dataclass
class Redaction:
    """What redacting a transcript's texts found: per-type counts and placeholder positions."""

    counts: Counter = field(default_factory=Counter)
    locations: list = field(default_factory=list)

    def text(self, text: str, where: str) -> str:
        """`text` with each finding replaced by its placeholder; positions are recorded in the new text."""
        findings = detect(text)
        if not findings:
            return text
        out, cursor, shift = [], 0, 0
        for finding in findings:
            out.append(text[cursor:finding.start])
            token = placeholder(finding.entity_type)
            start = finding.start + shift
            out.append(token)
            shift += len(token) - (finding.end - finding.start)
            cursor = finding.end
            self.counts[finding.entity_type] += 1
            self.locations.append({"type": finding.entity_type, "field": where, "start": start,
                                   "end": start + len(token)})
        out.append(text[cursor:])
        return "".join(out)

    def json(self, value, where: str):
        """Every string inside a JSON value (keys kept) redacted; the same structure back."""
        if isinstance(value, str):
            return self.text(value, where)
        if isinstance(value, list):
            return [self.json(item, f"{where}[{i}]") for i, item in enumerate(value)]
        if isinstance(value, dict):
            return {key: self.json(item, f"{where}.{key}") for key, item in value.items()}
        return value

    def summary(self) -> dict:
        return {
            "detector": f"presidio-analyzer {version('presidio-analyzer')}",
            "types": sorted(self.counts),
            "counts": {t: self.counts[t] for t in ENTITIES if self.counts[t]},
            "total": sum(self.counts.values()),
            "locations": self.locations,
        }
