"""factory_boy factories for the analytics app's models (tests/factories/__init__.py has the rules)."""

import uuid
from datetime import timedelta
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from analytics.models import Call, CallAnalytics, CallTranscript, DetailedMetric
from aybiza.platform.demo.phones import fictional_number

from .common import a_while_ago
from .agents import AgentVersionFactory
from .telephony import PhoneNumberFactory


class CallFactory(DjangoModelFactory):
    """A completed inbound call to a number; its tenant and agent follow the number,
    its version is the agent's published one (made if the agent has none)."""

    class Meta:
        model = Call

    phone_number = factory.SubFactory(PhoneNumberFactory)
    organization = factory.SelfAttribute("phone_number.organization")
    tenant = factory.SelfAttribute("phone_number.tenant")
    agent = factory.SelfAttribute("phone_number.agent")
    agent_version = factory.Maybe("agent", yes_declaration=factory.LazyAttribute(
        lambda o: o.agent.versions.filter(is_published=True).first()
        or AgentVersionFactory(agent=o.agent, published=True)
    ))
    call_sid = factory.LazyFunction(lambda: f"CA{uuid.uuid4().hex}")
    direction = "inbound"
    status = "completed"
    from_number = factory.Sequence(lambda n: fictional_number("US", (n + 500) % 1000))
    to_number = factory.SelfAttribute("phone_number.number")
    duration_seconds = 184
    billable_duration_seconds = 240
    start_time = a_while_ago(hours=2)
    answer_time = factory.LazyAttribute(lambda o: o.start_time + timedelta(seconds=4))
    end_time = factory.LazyAttribute(lambda o: o.answer_time + timedelta(seconds=o.duration_seconds))
    cost_usd = Decimal("0.056000")
    quality_score = Decimal("0.91")
    sentiment_score = Decimal("0.40")
    aws_region = "us-east-1"


class CallTranscriptFactory(DjangoModelFactory):
    class Meta:
        model = CallTranscript

    call = factory.SubFactory(CallFactory)
    call_sid = factory.SelfAttribute("call.call_sid")
    turns = factory.LazyFunction(lambda: [
        {"speaker": "agent", "text": "Thanks for calling, how can I help?", "start_ms": 300, "end_ms": 2100},
        {"speaker": "caller", "text": "I'd like to book a cleaning.", "start_ms": 2600, "end_ms": 4200},
    ])
    full_text = "Agent: Thanks for calling, how can I help?\nCaller: I'd like to book a cleaning."
    word_count = 13
    language_detected = "en-US"
    confidence_score = Decimal("0.94")


class CallAnalyticsFactory(DjangoModelFactory):
    class Meta:
        model = CallAnalytics

    class Params:
        call = factory.SubFactory(CallFactory)

    call_sid = factory.SelfAttribute("call.call_sid")
    organization = factory.SelfAttribute("call.organization")
    tenant = factory.SelfAttribute("call.tenant")
    agent = factory.SelfAttribute("call.agent")
    agent_version = factory.SelfAttribute("call.agent_version")
    phone_number = factory.SelfAttribute("call.phone_number")
    stt_latency_ms = 140
    llm_first_token_ms = 380
    tts_first_audio_ms = 120
    total_latency_ms = 720
    turns_count = 2
    model_used = "claude-3-5-sonnet-v2"


class DetailedMetricFactory(DjangoModelFactory):
    class Meta:
        model = DetailedMetric

    class Params:
        call = factory.SubFactory(CallFactory)

    timestamp = factory.LazyAttribute(lambda o: o.call.start_time + timedelta(seconds=10))
    call_sid = factory.SelfAttribute("call.call_sid")
    organization_id = factory.SelfAttribute("call.organization_id")
    tenant_id = factory.SelfAttribute("call.tenant_id")
    agent_id = factory.SelfAttribute("call.agent_id")
    agent_version_id = factory.SelfAttribute("call.agent_version_id")
    phone_number_id = factory.SelfAttribute("call.phone_number_id")
    metric_type = "latency"
    metric_name = "stt_latency"
    metric_value = 142.0
