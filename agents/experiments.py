"""Experiments between versions of an agent: start, stop, promote (docs/api.md, "Experiments").

The experiment is the `a_b_test_config` of the agent's *published* version (schema in
agents/experiment_schema.py, checked by AgentVersion.clean()). Resolve reads it live and
assigns each caller a variant by a stable hash; every call records the version it ran.

    experiment_start   -> the published version's a_b_test_config = config (status running)
    experiment_stop    -> status stopped, ended_at; the published version keeps all traffic
    experiment_promote -> the chosen variant is published through agent_version_publish (audited),
                          the experiment is marked promoted (winner_version_id) on the version that
                          carried it, which the publish archives

Each writes one audit row (promote: the publish's too) and invalidates the routing cache at
commit (aybiza/core/routing_cache.py); resolve reads the experiment live anyway.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from aybiza.core import routing_cache
from aybiza.core.errors import TransitionRefused
from aybiza.core.audit import audit_record

from .experiment_schema import FIELD, variant_ids
from .models import Agent, AgentVersion
from .services import agent_version_publish


def experiment_carrier(agent: Agent, *, lock: bool = False) -> AgentVersion | None:
    """The agent's published version (which holds the experiment), or None."""
    rows = AgentVersion.objects.filter(agent=agent, is_published=True)
    return (rows.select_for_update() if lock else rows).first()


def _published(agent: Agent) -> AgentVersion:
    Agent.objects.select_for_update().filter(pk=agent.pk).first()  # orders against publish/rollback
    version = experiment_carrier(agent, lock=True)
    if version is None:
        raise TransitionRefused("This agent has no published version: publish one before an experiment.",
                                field="agent_version")
    return version


def _write(version: AgentVersion, config: dict, *, verb: str, actor, api_key, request, reason: str) -> AgentVersion:
    before = version.a_b_test_config
    version.a_b_test_config = config
    version.full_clean(exclude=["created_by", "published_by"])
    version.save(update_fields=[FIELD])
    audit_record(action=f"agent_experiment.{verb}", instance=version, actor=actor, api_key=api_key, request=request,
                 before={FIELD: before}, after={FIELD: config}, reason=reason)
    routing_cache.invalidate_organization(version.agent.organization_id)
    return version


@transaction.atomic
def experiment_start(*, agent: Agent, config: dict, actor, reason: str = "", api_key=None, request=None) -> AgentVersion:
    """Set (or replace) the running experiment; ValidationError naming a_b_test_config when invalid."""
    version = _published(agent)
    if not isinstance(config, dict) or not config:
        raise ValidationError({FIELD: ["An experiment: experiment_id and variants (see docs/api.md)."]})
    config = {**config, "status": "running"}
    config.pop("ended_at", None)
    config.pop("winner_version_id", None)
    return _write(version, config, verb="start", actor=actor, api_key=api_key, request=request, reason=reason)


def _running(version: AgentVersion) -> dict:
    config = version.a_b_test_config or {}
    if not config or config.get("status", "running") != "running":
        raise TransitionRefused("This agent has no running experiment.", field=FIELD)
    return config


@transaction.atomic
def experiment_stop(*, agent: Agent, actor, reason: str = "", api_key=None, request=None) -> AgentVersion:
    """End the experiment without a winner: the published version takes all calls again."""
    version = _published(agent)
    config = {**_running(version), "status": "stopped", "ended_at": timezone.now().isoformat()}
    return _write(version, config, verb="stop", actor=actor, api_key=api_key, request=request, reason=reason)


@transaction.atomic
def experiment_promote(
    *, agent: Agent, version_id, actor, reason: str = "", api_key=None, request=None
) -> AgentVersion:
    """Publish the winning variant (agent_version_publish) and close the experiment; returns the new published version."""
    carrier = _published(agent)
    config = _running(carrier)
    try:
        winner_id = str(uuid.UUID(str(version_id)))
    except ValueError:
        raise ValidationError({"version_id": ["Not a UUID."]}) from None
    if winner_id not in variant_ids(config):
        raise ValidationError({"version_id": ["Not a variant of the running experiment."]})
    closed = {**config, "status": "promoted", "ended_at": timezone.now().isoformat(), "winner_version_id": winner_id}
    _write(carrier, closed, verb="promote", actor=actor, api_key=api_key, request=request, reason=reason)
    if winner_id == str(carrier.pk):
        return carrier  # the published version won: it stays published, the experiment is closed
    winner = AgentVersion.objects.get(pk=winner_id, agent=agent)
    return agent_version_publish(agent_version=winner, actor=actor, api_key=api_key, request=request,
                                 reason=reason or f"promoted by experiment {config['experiment_id']}")
