"""Experiments between agent versions: schema, sticky weighted assignment, resolve, results, stop/promote."""

import datetime as dt
import math
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from agents import experiment_schema
from agents.experiments import experiment_start, experiment_stop
from agents.models import AgentVersion
from agents.services import agent_version_archive
from analytics.services.experiment_results import sample_size, two_proportion_z, welch_t
from analytics.models import Call
from security_app.models import AuditLog
from tests import factories as f

from .conftest import client_for, make_key
from .test_routing import ROUTING, resolve, routed


@pytest.fixture
def exp(api):
    number, agent, published = routed(api.tenant_a, tool=False)
    challenger = f.AgentVersionFactory(agent=agent, status="testing", system_prompt="challenger prompt")
    api.number, api.agent, api.published, api.challenger = number, agent, published, challenger
    many = {"requests_per_minute": 10_000, "requests_per_hour": 100_000, "requests_per_day": 1_000_000}
    api.routing_a = client_for(make_key(api.tenant_a, permissions=ROUTING, rate_limit=many))
    return api


def config(a, b, wa=50, wb=50, **extra):
    return {"experiment_id": "greeting-test", "variants": [{"version_id": str(a.id), "weight": wa},
                                                           {"version_id": str(b.id), "weight": wb}], **extra}


# ---- schema ----------------------------------------------------------------------------------------------------

def _problems(exp, value):
    with pytest.raises(ValidationError) as caught:
        experiment_start(agent=exp.agent, config=value, actor=exp.user_a)
    assert set(caught.value.message_dict) == {"a_b_test_config"}
    return " ".join(caught.value.message_dict["a_b_test_config"])


def test_invalid_configurations_are_refused_naming_the_field(exp):
    other_agent_version = f.AgentVersionFactory(status="testing")
    archived = f.AgentVersionFactory(agent=exp.agent, status="archived")
    assert "sum to 100 (they sum to 90)" in _problems(exp, config(exp.published, exp.challenger, 50, 40))
    assert "not a version of this agent" in _problems(exp, config(exp.published, other_agent_version))
    assert "version is archived" in _problems(exp, config(exp.published, archived))
    assert "once" in _problems(exp, config(exp.published, exp.published))
    assert "end: must be after start" in _problems(exp, config(exp.published, exp.challenger,
                                                               start="2026-12-02T00:00:00Z", end="2026-12-01T00:00:00Z"))
    assert "time zone" in _problems(exp, config(exp.published, exp.challenger, start="2026-12-02T00:00:00"))
    assert "experiment_id" in _problems(exp, {"variants": config(exp.published, exp.challenger)["variants"]})
    assert "Additional properties" in _problems(exp, config(exp.published, exp.challenger, colour="red"))
    assert "weight" in _problems(exp, config(exp.published, exp.challenger, wa=50.5, wb=49.5))
    exp.published.refresh_from_db()
    assert exp.published.a_b_test_config == {}  # nothing written
    assert not AuditLog.objects.filter(action__startswith="agent_experiment.").exists()


def test_api_refuses_with_the_field_named_and_admin_form_too(exp, django_capture_on_commit_callbacks):
    writer = client_for(make_key(exp.tenant_a, permissions={"agents": ["read", "write"]}))
    url = f"/api/v1/agents/{exp.agent.id}/experiment/"
    response = writer.put(url, {"a_b_test_config": config(exp.published, exp.challenger, 60, 60)}, format="json")
    assert response.status_code == 400 and "a_b_test_config" in response.json()["fields"], response.content
    # The model rule itself (what the admin's ModelForm runs through full_clean):
    exp.challenger.a_b_test_config = config(exp.published, exp.challenger, 10, 10)
    with pytest.raises(ValidationError) as caught:
        exp.challenger.full_clean()
    assert "a_b_test_config" in caught.value.message_dict


# ---- assignment ------------------------------------------------------------------------------------------------

def test_assignment_is_sticky_and_weighted_within_tolerance():
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    cfg = {"experiment_id": "exp-1", "variants": [{"version_id": a, "weight": 70}, {"version_id": b, "weight": 30}]}
    callers = [f"+1202555{n:04d}" for n in range(4000)]
    first = [experiment_schema.assign(cfg, c) for c in callers]
    assert first == [experiment_schema.assign(cfg, c) for c in callers]  # sticky
    share = first.count(a) / len(first)
    assert abs(share - 0.70) < 4 * math.sqrt(0.7 * 0.3 / 4000), share  # 4 standard deviations (~0.029)
    # Another experiment reshuffles callers independently of this one.
    other = [experiment_schema.assign({**cfg, "experiment_id": "exp-2"}, c) for c in callers]
    moved = sum(x != y for x, y in zip(first, other)) / len(callers)
    assert abs(moved - 2 * 0.7 * 0.3) < 0.05, moved
    # Buckets are uniform: each of the 100 buckets within a generous band.
    counts = [0] * 100
    for c in callers:
        counts[experiment_schema.bucket("exp-1", c)] += 1
    assert max(counts) < 80 and min(counts) > 10


def test_zero_weight_variant_gets_nobody():
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    cfg = {"experiment_id": "x", "variants": [{"version_id": a, "weight": 100}, {"version_id": b, "weight": 0}]}
    assert {experiment_schema.assign(cfg, f"+1202555{n:04d}") for n in range(500)} == {a}


# ---- resolve follows the experiment -----------------------------------------------------------------------------

def _run(exp, n, prefix="S"):
    out = {}
    for i in range(n):
        caller = f"+1202555{i:04d}"
        response = resolve(exp.routing_a, exp.number, f"{prefix}-{i}", caller)
        assert response.status_code == 201, response.content
        body = response.json()
        out[caller] = body
        Call.objects.filter(call_sid=f"{prefix}-{i}").update(status="completed")  # free the slot
    return out


def test_resolve_follows_the_experiment_and_records_the_version(exp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        experiment_start(agent=exp.agent, config=config(exp.published, exp.challenger, 50, 50), actor=exp.user_a)
    answers = _run(exp, 60)
    ran = {caller: body["agent_version"]["id"] for caller, body in answers.items()}
    assert set(ran.values()) == {str(exp.published.id), str(exp.challenger.id)}
    for caller, body in answers.items():
        assert body["experiment"]["experiment_id"] == "greeting-test"
        assert body["experiment"]["variant_version_id"] == ran[caller]
        assert ran[caller] == experiment_schema.assign(exp.published.a_b_test_config or
                                                       config(exp.published, exp.challenger), caller)
        call = Call.objects.get(call_sid=body["call_sid"])
        assert str(call.agent_version_id) == ran[caller]
        assert call.metadata["routing"]["experiment_id"] == "greeting-test"
    challenger_answer = next(b for b in answers.values() if b["agent_version"]["id"] == str(exp.challenger.id))
    assert challenger_answer["agent_version"]["system_prompt"] == "challenger prompt"
    # The same callers again: the same versions (sticky across calls).
    again = _run(exp, 60, prefix="R")
    assert {c: b["agent_version"]["id"] for c, b in again.items()} == ran


def test_window_stop_and_archived_variant(exp, django_capture_on_commit_callbacks):
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        experiment_start(agent=exp.agent, config=config(exp.published, exp.challenger, 0, 100, start=future),
                         actor=exp.user_a)
    assert resolve(exp.routing_a, exp.number, "W-1").json()["experiment"] is None  # not started yet
    with django_capture_on_commit_callbacks(execute=True):
        experiment_start(agent=exp.agent, config=config(exp.published, exp.challenger, 0, 100), actor=exp.user_a)
    assert resolve(exp.routing_a, exp.number, "W-2").json()["agent_version"]["id"] == str(exp.challenger.id)
    with django_capture_on_commit_callbacks(execute=True):
        agent_version_archive(agent_version=exp.challenger, actor=exp.user_a)  # archived under the experiment
    body = resolve(exp.routing_a, exp.number, "W-3").json()
    assert body["agent_version"]["id"] == str(exp.published.id) and body["experiment"]["fallback"] is True
    AgentVersion.objects.filter(pk=exp.challenger.pk).update(status="testing")
    with django_capture_on_commit_callbacks(execute=True):
        experiment_stop(agent=exp.agent, actor=exp.user_a, reason="enough")
    body = resolve(exp.routing_a, exp.number, "W-4").json()
    assert body["agent_version"]["id"] == str(exp.published.id) and body["experiment"] is None
    assert AuditLog.objects.filter(action="agent_experiment.stop").count() == 1
    with pytest.raises(Exception, match="no running experiment"):
        experiment_stop(agent=exp.agent, actor=exp.user_a)


# ---- significance against hand-computed figures ---------------------------------------------------------------

def test_two_proportion_z_by_hand():
    # 40/100 vs 55/100: pooled p = 0.475, se = sqrt(0.475 * 0.525 * (1/100 + 1/100))
    se = math.sqrt(0.475 * 0.525 * 0.02)
    z = 0.15 / se
    result = two_proportion_z(40, 100, 55, 100)
    assert result["statistic"] == pytest.approx(z, rel=1e-12) == pytest.approx(2.12398, abs=1e-5)
    assert result["p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-9)
    assert result["p_value"] == pytest.approx(0.03367, abs=1e-5)
    assert two_proportion_z(0, 10, 0, 10) is None and two_proportion_z(1, 0, 1, 1) is None


def _t_two_sided_p(t, df, steps=20000):
    """Two-sided p of Student's t by Simpson's rule over the density (independent of scipy)."""
    c = math.gamma((df + 1) / 2) / (math.sqrt(df * math.pi) * math.gamma(df / 2))
    pdf = lambda x: c * (1 + x * x / df) ** (-(df + 1) / 2)  # noqa: E731
    h = abs(t) / steps
    area = pdf(0) + pdf(abs(t)) + sum((4 if k % 2 else 2) * pdf(k * h) for k in range(1, steps))
    return 1 - 2 * area * h / 3


def test_welch_t_by_hand():
    a, b = [1, 2, 3, 4, 5], [2, 4, 6, 8, 10, 12]
    ma, mb = 3.0, 7.0
    va, vb = 2.5, 14.0  # sample variances
    t = (mb - ma) / math.sqrt(va / 5 + vb / 6)
    df = (va / 5 + vb / 6) ** 2 / ((va / 5) ** 2 / 4 + (vb / 6) ** 2 / 5)
    result = welch_t(ma, math.sqrt(va), 5, mb, math.sqrt(vb), 6)
    assert result["statistic"] == pytest.approx(t, rel=1e-12) == pytest.approx(2.37635, abs=1e-5)
    assert result["df"] == pytest.approx(df, rel=1e-12) == pytest.approx(6.97226, abs=1e-5)
    assert result["p_value"] == pytest.approx(_t_two_sided_p(t, df), abs=1e-7)
    assert welch_t(1, 0, 5, 1, 0, 5) is None and welch_t(1, 1, 1, 2, 1, 5) is None


def test_sample_size_by_hand():
    # p1 = 0.5 -> p2 = 0.6: (1.959964 * sqrt(2 * .55 * .45) + 0.841621 * sqrt(.25 + .24))^2 / 0.01 = 387.3
    assert sample_size(0.5, 0.1) == 388
    assert sample_size(0.95, 0.1) == sample_size(0.95, 0.1)  # p1 + mde > 1 plans for a drop instead
    assert sample_size(0.5, 0.05) > sample_size(0.5, 0.1)


# ---- results, promote -----------------------------------------------------------------------------------------

def _calls(exp, version, outcomes, durations):
    for i, (status, seconds) in enumerate(zip(outcomes, durations)):
        call = f.CallFactory(phone_number=exp.number, agent_version=version, status=status, duration_seconds=seconds,
                             cost_usd=Decimal("0.10"), quality_score=Decimal("0.80"),
                             metadata={"routing": {"experiment_id": "greeting-test"}})
        f.CallAnalyticsFactory(call=call, total_latency_ms=800 + 10 * i)
    f.CallFactory(phone_number=exp.number, agent_version=version, status="completed")  # outside the experiment


def test_results_per_variant_match_hand_computed_figures(exp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        experiment_start(agent=exp.agent, config=config(exp.published, exp.challenger, 50, 50,
                                                        minimum_detectable_effect=0.1), actor=exp.user_a)
    _calls(exp, exp.published, ["completed"] * 4 + ["failed"] * 6, [1, 2, 3, 4, 0, 0, 0, 0, 0, 0])
    _calls(exp, exp.challenger, ["completed"] * 6 + ["failed"] * 4, [2, 4, 6, 8, 10, 12, 0, 0, 0, 0])
    reader = client_for(make_key(exp.tenant_a, permissions={"agents": ["read"]}))
    body = reader.get(f"/api/v1/agents/{exp.agent.id}/experiment/").json()
    control, challenger = body["variants"]
    assert control["is_control"] and control["version_id"] == str(exp.published.id)
    assert (control["calls"], control["completion_rate"], challenger["completion_rate"]) == (10, 0.4, 0.6)
    z = two_proportion_z(4, 10, 6, 10)
    assert challenger["versus_control"]["completion_rate"]["p_value"] == pytest.approx(z["p_value"])
    assert z["p_value"] == pytest.approx(math.erfc((0.2 / math.sqrt(0.25 * 0.2)) / math.sqrt(2)))
    # Durations of completed calls: [1,2,3,4] vs [2,4,6,8,10,12] (the Welch case above, first sample shorter).
    assert control["average_duration_seconds"] == {"mean": 2.5, "sd": pytest.approx(math.sqrt(5 / 3)), "n": 4}
    welch = challenger["versus_control"]["average_duration_seconds"]
    assert welch["statistic"] == pytest.approx((7 - 2.5) / math.sqrt((5 / 3) / 4 + 14 / 6))
    assert challenger["cost_usd_per_call"]["mean"] == pytest.approx(0.10)
    assert challenger["versus_control"]["cost_usd_per_call"] is None  # no variance in either arm
    assert challenger["latency_ms_per_call"] == {"mean": pytest.approx(845.0), "sd": pytest.approx(30.2765, abs=1e-3),
                                                 "n": 10}
    needed = sample_size(0.4, 0.1)
    assert challenger["sample_size_per_variant"] == needed and challenger["still_needed"] == needed - 10
    # Another tenant cannot read it.
    assert client_for(exp.key_b).get(f"/api/v1/agents/{exp.agent.id}/experiment/").status_code == 404


def test_promote_publishes_through_the_service_and_resolve_sees_it_at_once(exp, django_capture_on_commit_callbacks):
    writer = client_for(make_key(exp.tenant_a, permissions={"agents": ["read", "write"]}))
    url = f"/api/v1/agents/{exp.agent.id}/experiment/"
    with django_capture_on_commit_callbacks(execute=True):
        started = writer.put(url, {"a_b_test_config": config(exp.published, exp.challenger, 100, 0)}, format="json")
    assert started.status_code == 200, started.content
    assert resolve(exp.routing_a, exp.number, "P-1").json()["agent_version"]["id"] == str(exp.published.id)
    bad = writer.post(f"{url}promote/", {"version_id": str(uuid.uuid4())}, format="json")
    assert bad.status_code == 400 and "version_id" in bad.json()["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        response = writer.post(f"{url}promote/", {"version_id": str(exp.challenger.id), "reason": "won"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["experiment"]["status"] == "promoted"
    assert response.json()["experiment"]["winner_version_id"] == str(exp.challenger.id)
    exp.challenger.refresh_from_db()
    exp.published.refresh_from_db()
    assert (exp.challenger.is_published, exp.published.status) == (True, "archived")
    assert AuditLog.objects.filter(action="agent_experiment.promote").count() == 1
    assert AuditLog.objects.filter(action="agent_version.publish", resource_id=str(exp.challenger.id)).exists()
    body = resolve(exp.routing_a, exp.number, "P-2").json()
    assert body["agent_version"]["id"] == str(exp.challenger.id) and body["experiment"] is None
    again = writer.post(f"{url}promote/", {"version_id": str(exp.challenger.id)}, format="json")
    assert again.status_code == 409  # no running experiment any more


def test_stop_through_the_api(exp, django_capture_on_commit_callbacks):
    writer = client_for(make_key(exp.tenant_a, permissions={"agents": ["read", "write"]}))
    url = f"/api/v1/agents/{exp.agent.id}/experiment/"
    with django_capture_on_commit_callbacks(execute=True):
        writer.put(url, {"a_b_test_config": config(exp.published, exp.challenger, 0, 100)}, format="json")
    assert resolve(exp.routing_a, exp.number, "T-1").json()["agent_version"]["id"] == str(exp.challenger.id)
    with django_capture_on_commit_callbacks(execute=True):
        stopped = writer.post(f"{url}stop/", {"reason": "regression"}, format="json")
    assert stopped.status_code == 200 and stopped.json()["experiment"]["status"] == "stopped"
    assert resolve(exp.routing_a, exp.number, "T-2").json()["agent_version"]["id"] == str(exp.published.id)


def test_experiment_without_a_published_version_is_refused(exp):
    AgentVersion.objects.filter(pk=exp.published.pk).update(is_published=False, status="archived")
    writer = client_for(make_key(exp.tenant_a, permissions={"agents": ["read", "write"]}))
    response = writer.put(f"/api/v1/agents/{exp.agent.id}/experiment/",
                          {"a_b_test_config": config(exp.published, exp.challenger)}, format="json")
    assert response.status_code == 409
