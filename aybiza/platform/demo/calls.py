"""Generated call traffic: calls with their transcript, analytics row and metrics.

Added on every run (each call gets a fresh uuid-based call_sid), and loaded
with COPY in chunks: the four rows of a call are generated together, then
each table's chunk is streamed. No encrypted column is involved here.
Calls are generated in chronological order with time-ordered ids, which
keeps index maintenance (the bulk of the load time) local (see pgcopy.py).

Every call gets exactly one transcript and one call_analytics row; a call
that never connected has an empty transcript (no turns) and zero latencies.
"""

import itertools
import math
import random
import uuid
from datetime import datetime, timedelta

from tqdm import tqdm

from analytics.models import Call, CallAnalytics, CallTranscript, DetailedMetric

from . import fake
from .conversations import Conversation, conversation_pool, to_json
from .phones import fictional_number
from .pgcopy import copy_rows, sequential_uuids
from .world import CallRef, Line, TenantWorld, Traffic

CHUNK = 5000
STATUSES = ("completed", "no-answer", "busy", "failed", "cancelled", "answered", "ringing", "initiated")
STATUS_WEIGHTS = tuple(itertools.accumulate((80, 6, 4, 4, 3, 1.5, 1, 0.5)))
IN_PROGRESS = {"answered", "ringing", "initiated"}
HANGUP_CAUSES = {"no-answer": "NO_ANSWER", "busy": "USER_BUSY", "failed": "NETWORK_OUT_OF_ORDER",
                 "cancelled": "ORIGINATOR_CANCEL"}
RECORDINGS_URL = "https://media.aybiza.example/recordings"
PER_MINUTE_USD = 0.014
PER_TOKEN_USD = 0.000004
# The transcript and analytics of a call that never connected (the same columns as a connected call's).
EMPTY_TRANSCRIPT = {
    "turns": "[]", "full_text": None, "word_count": 0, "speaker_count": 0, "language_detected": None,
    "confidence_score": "0.00", "processing_time_ms": None, "redacted": False, "redacted_at": None,
    "redacted_by_id": None, "pii_detected": "{}", "summary": None, "key_topics": "[]",
}
EMPTY_ANALYTICS = {
    "stt_latency_ms": 0, "llm_first_token_ms": 0, "llm_total_latency_ms": 0, "tts_first_audio_ms": 0,
    "tts_total_latency_ms": 0, "total_latency_ms": 0, "edge_cache_hits": 0, "edge_cache_misses": 0,
    "turns_count": 0, "interruptions_count": 0, "tool_calls_count": 0, "successful_tool_calls": 0,
    "failed_tool_calls": 0, "tokens_used": 0, "model_used": None, "voice_model_used": None,
    "automation_usage": "{}", "performance_metrics": "{}",
}

# Detailed metrics of a connected call: the four latencies of a turn first,
# then the others in turn (so every metric type appears with 5+ per call).
LATENCY_METRICS = (("stt_latency", "ms"), ("llm_first_token", "ms"), ("tts_first_audio", "ms"), ("turn_latency", "ms"))
OTHER_METRICS = (("quality", "asr_confidence", "ratio"), ("usage", "tokens", "tokens"), ("cost", "call_cost", "usd"),
                 ("error", "tool_errors", "count"), ("security", "caller_spoof_risk", "ratio"))
# A call that never connected only has these.
SETUP_METRICS = (("usage", "ring_time", "ms"), ("error", "setup_failures", "count"), ("cost", "call_cost", "usd"))


def seed_calls(rng: random.Random, worlds: list[TenantWorld], count: int, metrics_per_call: int, now: datetime,
               progress: bool) -> tuple[dict[str, int], dict[int, list[CallRef]]]:
    """Add `count` calls; returns (rows added per table, completed calls per world index)."""
    generator = _CallGenerator(rng, worlds, metrics_per_call, now)
    starts = sorted(fake.moment(rng, now) for _ in range(count))
    added = {"calls": 0, "call_transcripts": 0, "call_analytics": 0, "detailed_metrics": 0}
    with tqdm(total=count, desc="calls", unit="call", disable=not progress) as bar:
        for chunk in range(0, count, CHUNK):
            size = min(CHUNK, count - chunk)
            calls, transcripts, analytics, metrics = [], [], [], []
            for start in starts[chunk:chunk + size]:
                call, transcript, analytic, call_metrics = generator.call(start)
                calls.append(call)
                transcripts.append(transcript)
                analytics.append(analytic)
                metrics.extend(call_metrics)
            added["calls"] += copy_rows(Call, calls)
            added["call_transcripts"] += copy_rows(CallTranscript, transcripts)
            added["call_analytics"] += copy_rows(CallAnalytics, analytics)
            added["detailed_metrics"] += copy_rows(DetailedMetric, metrics)
            bar.update(size)
    return added, generator.completed


class _CallGenerator:
    def __init__(self, rng: random.Random, worlds: list[TenantWorld], metrics_per_call: int, now: datetime):
        self.rng, self.now, self.metrics_per_call = rng, now, metrics_per_call
        self.completed: dict[int, list[CallRef]] = {}
        self.traffic = Traffic(rng, worlds, self.completed)
        self.pools = {
            index: conversation_pool(rng, world.scenario, world.tenant.name) for index, world in self.traffic.worlds
        }
        self.ids = sequential_uuids()

    def call(self, start: datetime) -> tuple[dict, dict, dict, list[dict]]:
        """The rows of one call placed at `start` (moved to the last minutes if still in progress)."""
        rng = self.rng
        index, world = self.traffic.world()
        line = rng.choice(world.lines)
        status = rng.choices(STATUSES, cum_weights=STATUS_WEIGHTS)[0]
        conversation = rng.choice(self.pools[index]) if status == "completed" else None

        duration = conversation.duration_seconds if conversation else 0
        ring = rng.randint(2, 30 if status == "no-answer" else 12)
        if status in IN_PROGRESS:
            start = self.now - timedelta(seconds=rng.randint(60, 900))
        elif start + timedelta(seconds=ring + duration) > self.now:
            start = self.now - timedelta(seconds=ring + duration + 60)  # a finished call ended in the past
        answer = start + timedelta(seconds=ring) if status in ("completed", "answered") else None
        end = None if status in IN_PROGRESS else start + timedelta(seconds=ring + duration)

        call_id, transcript_id = next(self.ids), next(self.ids)
        sid = f"CA{call_id.hex}"
        caller = fictional_number(world.country, rng.randrange(1000))
        inbound = rng.random() < 0.8
        tokens = conversation.word_count * rng.randint(9, 14) if conversation else 0
        billable = math.ceil(duration / 60) * 60
        cost = billable / 60 * PER_MINUTE_USD + tokens * PER_TOKEN_USD
        context = {
            "organization_id": world.organization_id,
            "tenant_id": world.tenant.id,
            "agent_id": line.agent_id,
            "agent_version_id": line.agent_version_id,
            "phone_number_id": line.phone_number_id,
        }
        edge_region = rng.choice(world.edge_regions)
        call = {
            "id": call_id,
            "call_sid": sid,
            "direction": "inbound" if inbound else "outbound",
            "status": status,
            "from_number": caller if inbound else line.number,
            "to_number": line.number if inbound else caller,
            "duration_seconds": duration,
            "billable_duration_seconds": billable,
            "start_time": start,
            "answer_time": answer,
            "end_time": end,
            "recording_url": f"{RECORDINGS_URL}/{world.tenant.slug}/{sid}.wav" if conversation else None,
            "recording_duration_seconds": duration if conversation else None,
            "transcript_id": str(transcript_id),
            **context,
            "metadata": to_json(
                {"intent": conversation.intent, "hangup_by": rng.choice(("caller", "agent"))} if conversation
                else {"hangup_cause": HANGUP_CAUSES.get(status, "IN_PROGRESS")}
            ),
            "created_at": start,
            "updated_at": end or start,
            "edge_region": edge_region,
            "aws_region": world.aws_region,
            "cost_usd": f"{cost:.6f}",
            "quality_score": f"{rng.uniform(0.62, 0.99):.2f}" if conversation else None,
            "sentiment_score": f"{rng.uniform(-0.6, 0.95):.2f}" if conversation else None,
        }
        if conversation:
            ref = CallRef(call_id, sid, line.agent_id, line.agent_version_id, end)
            self.completed.setdefault(index, []).append(ref)
        transcript = self._transcript(world, transcript_id, call_id, sid, conversation, end or start)
        analytics, latencies = self._analytics(line, sid, context, conversation, tokens, end or start)
        metrics = self._metrics(sid, context, edge_region, world.aws_region, start, ring + duration, latencies,
                                conversation, tokens, cost)
        return call, transcript, analytics, metrics

    def _transcript(self, world: TenantWorld, transcript_id: uuid.UUID, call_id: uuid.UUID, sid: str,
                    conversation: Conversation | None, at: datetime) -> dict:
        row = {"id": transcript_id, "call_id": call_id, "call_sid": sid, "created_at": at}
        if conversation is None:
            return {**row, **EMPTY_TRANSCRIPT}
        return {
            **row,
            "turns": conversation.turns_json,
            "full_text": conversation.full_text,
            "word_count": conversation.word_count,
            "speaker_count": 2,
            "language_detected": world.language,
            "confidence_score": f"{self.rng.uniform(0.85, 0.98):.2f}",
            "processing_time_ms": self.rng.randint(300, 4000),
            "redacted": conversation.redacted,
            "redacted_at": at + timedelta(hours=1) if conversation.redacted else None,
            "redacted_by_id": world.admin.id if conversation.redacted else None,
            "pii_detected": conversation.pii_json,
            "summary": conversation.summary,
            "key_topics": conversation.topics_json,
        }

    def _analytics(self, line: Line, sid: str, context: dict, conversation: Conversation | None, tokens: int,
                   at: datetime) -> tuple[dict, tuple[int, ...]]:
        """The call_analytics row, and the latencies (stt, llm first token, tts first audio, total) for metrics."""
        row = {"id": next(self.ids), "call_sid": sid, **context, "created_at": at}
        if conversation is None:
            return {**row, **EMPTY_ANALYTICS}, (0, 0, 0, 0)
        rng = self.rng
        stt, llm_first, tts_first = rng.randint(70, 260), rng.randint(180, 650), rng.randint(60, 240)
        total = stt + llm_first + tts_first + rng.randint(40, 180)
        tool_calls = rng.choice((0, 0, 1, 1, 2, 3))
        failed = 1 if tool_calls and rng.random() < 0.08 else 0
        hits = rng.randint(0, conversation.turn_count)
        row.update({
            "stt_latency_ms": stt,
            "llm_first_token_ms": llm_first,
            "llm_total_latency_ms": llm_first + rng.randint(300, 1600),
            "tts_first_audio_ms": tts_first,
            "tts_total_latency_ms": tts_first + rng.randint(250, 1400),
            "total_latency_ms": total,
            "edge_cache_hits": hits,
            "edge_cache_misses": conversation.turn_count - hits,
            "turns_count": conversation.turn_count,
            "interruptions_count": rng.choice((0, 0, 0, 1, 1, 2)),
            "tool_calls_count": tool_calls,
            "successful_tool_calls": tool_calls - failed,
            "failed_tool_calls": failed,
            "tokens_used": tokens,
            "model_used": line.llm_model,
            "voice_model_used": line.voice_model,
            "automation_usage": to_json({"tool_calls": tool_calls, "workflows_triggered": 1}),
            "performance_metrics": to_json({"p50_turn_latency_ms": total, "p95_turn_latency_ms": int(total * 1.6)}),
        })
        return row, (stt, llm_first, tts_first, total)

    def _metrics(self, sid: str, context: dict, edge_region: str, aws_region: str, start: datetime, span: int,
                 latencies: tuple[int, int, int, int], conversation: Conversation | None, tokens: int,
                 cost: float) -> list[dict]:
        rng = self.rng
        if conversation:
            values = {"asr_confidence": rng.uniform(0.85, 0.99), "tokens": tokens, "call_cost": cost,
                      "tool_errors": 0 if rng.random() < 0.93 else 1, "caller_spoof_risk": rng.uniform(0, 0.2)}
            offset = rng.randrange(len(OTHER_METRICS))
            chosen = [("latency", name, unit, latencies[i] * rng.uniform(0.8, 1.25))
                      for i, (name, unit) in enumerate(LATENCY_METRICS[: self.metrics_per_call])]
            for n in range(self.metrics_per_call - len(chosen)):
                metric_type, name, unit = OTHER_METRICS[(offset + n) % len(OTHER_METRICS)]
                chosen.append((metric_type, name, unit, values[name]))
        else:
            values = {"ring_time": span * 1000.0, "setup_failures": 1.0, "call_cost": cost}
            chosen = [(t, name, unit, values[name]) for t, name, unit in SETUP_METRICS[: self.metrics_per_call]]
        step = max(span, 1) / (len(chosen) + 1)
        return [
            {
                "timestamp": start + timedelta(seconds=step * (n + 1)),
                "call_sid": sid,
                **context,
                "metric_type": metric_type,
                "metric_name": name,
                "metric_value": float(value),
                "metric_unit": unit,
                "edge_region": edge_region,
                "aws_region": aws_region,
            }
            for n, (metric_type, name, unit, value) in enumerate(chosen)
        ]
