"""Call transcripts, rendered once per tenant and reused across its calls.

Rendering a dialogue (slot filling, turn timing, JSON) costs far more than
copying a row, so each tenant gets a pool of pre-rendered conversations and
every answered call picks one. A call's duration comes from its
conversation's turn timings, so the two always agree.
"""

import json
import random
import re
from dataclasses import dataclass

from . import fake
from .scenarios import COMMON_SLOTS, Scenario

POOL_SIZE = 120
REDACTED = "[REDACTED]"
PII_SLOTS = {"dob": "date_of_birth", "policy": "policy_number"}
SLOT = re.compile(r"\{(\w+)\}")

to_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


@dataclass(frozen=True)
class Conversation:
    intent: str
    turns_json: str
    full_text: str
    word_count: int
    turn_count: int
    duration_seconds: int
    summary: str
    topics_json: str
    pii_json: str
    redacted: bool


def conversation_pool(rng: random.Random, scenario: Scenario, business: str) -> list[Conversation]:
    return [_render(rng, scenario, business) for _ in range(POOL_SIZE)]


def _render(rng: random.Random, scenario: Scenario, business: str) -> Conversation:
    intent = rng.choice(scenario.intents)
    redacted = bool(intent.pii) and rng.random() < 0.3
    caller, _ = fake.person(rng)
    values = {"business": business, "caller": caller, "street": fake.street_address(rng)}
    for name, choices in {**COMMON_SLOTS, **scenario.slots}.items():
        values[name] = REDACTED if redacted and name in PII_SLOTS else rng.choice(choices)

    turns, pii, clock_ms = [], {}, 0
    for index, (speaker, template) in enumerate(intent.turns):
        text = template.format(**values)
        for slot in SLOT.findall(template):
            if slot in PII_SLOTS:
                pii.setdefault(PII_SLOTS[slot], []).append(index)
        clock_ms += rng.randint(250, 900) if speaker == "agent" else rng.randint(400, 1500)
        spoken_ms = len(text.split()) * rng.randint(300, 420)
        turns.append({
            "speaker": speaker,
            "text": text,
            "start_ms": clock_ms,
            "end_ms": clock_ms + spoken_ms,
            "confidence": round(rng.uniform(0.86, 0.99), 2),
        })
        clock_ms += spoken_ms

    full_text = "\n".join(f"{turn['speaker'].title()}: {turn['text']}" for turn in turns)
    return Conversation(
        intent=intent.name,
        turns_json=to_json(turns),
        full_text=full_text,
        word_count=sum(len(turn["text"].split()) for turn in turns),
        turn_count=len(turns),
        duration_seconds=clock_ms // 1000 + rng.randint(2, 8),
        summary=intent.summary.format(**values),
        topics_json=to_json(list(intent.topics)),
        pii_json=to_json(pii),
        redacted=redacted,
    )
