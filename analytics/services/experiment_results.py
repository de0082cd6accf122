"""Results of an agent's experiment, per variant, with significance tests (scipy.stats).

The calls of an experiment are the agent's calls whose `metadata.routing.experiment_id` is the
experiment's (set by call_resolve); each is counted for the version it ran (`agent_version_id`).

Per variant: calls; completion rate (completed / finished calls); average duration of completed
calls; average quality score (calls that have one); average total latency per call
(call_analytics.total_latency_ms); average cost per finished call. Each challenger is compared
with the control (the version that carries the experiment, else the first variant):

- completion rate: two-proportion z test (pooled), two-sided p from the normal distribution;
- the means: Welch's t test (`scipy.stats.ttest_ind_from_stats(..., equal_var=False)`), two-sided.

`sample_size_per_variant`: finished calls each variant needs to detect an absolute change of
`minimum_detectable_effect` (default 0.05) in completion rate from the control's, at alpha 0.05
(two-sided) and power 0.8; `still_needed` = that minus what the variant has (never below 0).
A figure that cannot be computed (too few calls, no variance) is null.
"""

from __future__ import annotations

import math

from django.db.models import Avg, Count, Q, StdDev
from scipy import stats

from agents.models import Agent, AgentVersion

from ..models import Call, CallAnalytics

ALPHA = 0.05
POWER = 0.8
DEFAULT_MDE = 0.05
FINISHED = ("completed", "busy", "failed", "no-answer", "cancelled")


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> dict | None:
    """z and two-sided p for p2 - p1 (pooled standard error); None when undefined."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return None
    z = (x2 / n2 - x1 / n1) / se
    return {"statistic": z, "p_value": float(2 * stats.norm.sf(abs(z)))}


def welch_t(m1, s1, n1, m2, s2, n2) -> dict | None:
    """Welch's t (sample 2 minus sample 1) and two-sided p; None when undefined."""
    if None in (m1, s1, m2, s2) or n1 < 2 or n2 < 2 or (s1 == 0 and s2 == 0):
        return None
    result = stats.ttest_ind_from_stats(float(m2), float(s2), n2, float(m1), float(s1), n1, equal_var=False)
    v1, v2 = float(s1) ** 2 / n1, float(s2) ** 2 / n2
    df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
    return {"statistic": float(result.statistic), "p_value": float(result.pvalue), "df": df}


def sample_size(p1: float, mde: float, *, alpha: float = ALPHA, power: float = POWER) -> int:
    """Per-arm n to detect p1 -> p1 ± mde with a two-sided two-proportion test."""
    p2 = p1 + mde if p1 + mde <= 1 else p1 - mde
    p_bar = (p1 + p2) / 2
    z_a, z_b = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    n = (z_a * math.sqrt(2 * p_bar * (1 - p_bar)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / mde ** 2
    return math.ceil(n - 1e-9)


def experiment_of(agent: Agent) -> tuple[AgentVersion | None, dict]:
    """The version carrying the agent's current (or, after it ended, its latest) experiment, and its config."""
    carriers = [v for v in AgentVersion.objects.filter(agent=agent).exclude(a_b_test_config={})
                .only("id", "version", "is_published", "a_b_test_config", "agent_id")
                if isinstance(v.a_b_test_config, dict) and v.a_b_test_config.get("experiment_id")]
    if not carriers:
        return None, {}
    carriers.sort(key=lambda v: (v.is_published, v.a_b_test_config.get("ended_at") or "", v.version), reverse=True)
    return carriers[0], carriers[0].a_b_test_config


def _f(value):
    return None if value is None else float(value)


def experiment_results(*, agent: Agent) -> dict:
    carrier, config = experiment_of(agent)
    if carrier is None:
        return {"experiment": None, "variants": []}
    experiment_id = config["experiment_id"]
    variants = [str(v.get("version_id")) for v in config.get("variants", []) if isinstance(v, dict)]
    weights = {str(v.get("version_id")): v.get("weight") for v in config.get("variants", []) if isinstance(v, dict)}
    calls = Call.objects.filter(agent=agent, metadata__routing__experiment_id=experiment_id)
    rows = {str(r["agent_version_id"]): r for r in calls.values("agent_version_id").annotate(
        calls=Count("id"),
        finished=Count("id", filter=Q(status__in=FINISHED)),
        completed=Count("id", filter=Q(status="completed")),
        duration_mean=Avg("duration_seconds", filter=Q(status="completed")),
        duration_sd=StdDev("duration_seconds", sample=True, filter=Q(status="completed")),
        quality_mean=Avg("quality_score"), quality_sd=StdDev("quality_score", sample=True),
        quality_n=Count("quality_score"),
        cost_mean=Avg("cost_usd", filter=Q(status__in=FINISHED)),
        cost_sd=StdDev("cost_usd", sample=True, filter=Q(status__in=FINISHED)),
    )}
    latency = {str(r["agent_version_id"]): r for r in CallAnalytics.objects.filter(
        agent=agent, call_sid__in=calls.values("call_sid")).values("agent_version_id").annotate(
        mean=Avg("total_latency_ms"), sd=StdDev("total_latency_ms", sample=True), n=Count("id"))}
    control = str(carrier.id) if str(carrier.id) in variants else (variants[0] if variants else None)
    mde = float(config.get("minimum_detectable_effect") or DEFAULT_MDE)

    def figures(version_id):
        r, lat = rows.get(version_id, {}), latency.get(version_id, {})
        finished, completed = r.get("finished", 0), r.get("completed", 0)
        return {
            "calls": r.get("calls", 0), "finished_calls": finished, "completed_calls": completed,
            "completion_rate": completed / finished if finished else None,
            "average_duration_seconds": {"mean": _f(r.get("duration_mean")), "sd": _f(r.get("duration_sd")), "n": completed},
            "quality_score": {"mean": _f(r.get("quality_mean")), "sd": _f(r.get("quality_sd")), "n": r.get("quality_n", 0)},
            "latency_ms_per_call": {"mean": _f(lat.get("mean")), "sd": _f(lat.get("sd")), "n": lat.get("n", 0)},
            "cost_usd_per_call": {"mean": _f(r.get("cost_mean")), "sd": _f(r.get("cost_sd")), "n": finished},
        }

    base = figures(control) if control else None
    p_control = base["completion_rate"] if base and base["completion_rate"] is not None else 0.5
    p_control = min(max(p_control, 0.01), 0.99)  # a 0 or 1 rate has no variance to plan with
    needed = sample_size(p_control, mde)
    out = []
    for version_id in variants:
        data = figures(version_id)
        data.update({"version_id": version_id, "weight": weights.get(version_id), "is_control": version_id == control,
                     "sample_size_per_variant": needed, "still_needed": max(needed - data["finished_calls"], 0)})
        if version_id != control and base is not None:
            data["versus_control"] = {
                "completion_rate": two_proportion_z(base["completed_calls"], base["finished_calls"],
                                                    data["completed_calls"], data["finished_calls"]),
                **{name: welch_t(base[name]["mean"], base[name]["sd"], base[name]["n"],
                                 data[name]["mean"], data[name]["sd"], data[name]["n"])
                   for name in ("average_duration_seconds", "quality_score", "latency_ms_per_call", "cost_usd_per_call")},
            }
            data["significant"] = {k: (v is not None and v["p_value"] < ALPHA) for k, v in data["versus_control"].items()}
        out.append(data)
    return {
        "experiment": {**config, "carrier_version_id": str(carrier.id), "control_version_id": control,
                       "minimum_detectable_effect": mde, "alpha": ALPHA, "power": POWER},
        "variants": out,
    }
