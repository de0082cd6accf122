"""POST /api/v1/routing/resolve/: the answer, every refusal, scopes and keys, retries, cache invalidation."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from agents.services import agent_version_archive, agent_version_publish, agent_version_rollback
from analytics.models import Call
from analytics.services.routing import expire_stale_calls
from automation.models import Tool, ToolVersion
from automation.services import tool_version_publish, workflow_version_publish
from security_app.models import AuditLog
from tests import factories as f

from .conftest import client_for, make_key

URL = "/api/v1/routing/resolve/"
ROUTING = {"routing": ["resolve"]}


def routed(tenant, *, tool=True):
    """An active number of `tenant` answered by an active agent with a published version (a tool, a workflow)."""
    agent = f.AgentFactory(tenant=tenant)
    version = f.AgentVersionFactory(agent=agent, published=True, system_prompt="v1 prompt")
    if tool:
        t = f.ToolFactory(tenant=tenant)
        f.ToolVersionFactory(tool=t, published=True)
        f.ConversationNodeFactory(agent_version=version, node_type="tool_call", tool_config={"tool_id": str(t.id)})
    workflow = f.WorkflowFactory(tenant=tenant, trigger_config={"event": "call.completed", "agent_ids": [str(agent.id)]})
    f.WorkflowVersionFactory(workflow=workflow, published=True)
    number = f.PhoneNumberFactory(tenant=tenant, agent=agent, status="active")
    return number, agent, version


def resolve(client, number, sid="CA-1", caller="+12025550199"):
    return client.post(URL, {"to": number if isinstance(number, str) else number.number, "from": caller,
                             "call_sid": sid}, format="json")


@pytest.fixture
def world(api):
    number, agent, version = routed(api.tenant_a)
    api.number, api.agent, api.version = number, agent, version
    api.routing_a = client_for(make_key(api.tenant_a, permissions=ROUTING))
    return api


def test_answer_has_everything_the_runtime_needs_and_reserves_the_call(world):
    response = resolve(world.routing_a, world.number)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tenant"]["id"] == str(world.tenant_a.id)
    assert body["agent"]["id"] == str(world.agent.id)
    snap = body["agent_version"]
    assert snap["id"] == str(world.version.id) and snap["system_prompt"] == "v1 prompt"
    assert snap["voice_config"] == world.version.voice_config and snap["model_config"] == world.version.model_config
    assert snap["language_config"] == world.version.language_config
    [tool] = snap["tools"]
    assert tool["input_schema"]["type"] == "object" and "output_schema" in tool
    assert "auth_config" not in tool and "tool-secret-token-123" not in response.content.decode()
    [workflow] = snap["workflows"]
    assert workflow["trigger_config"]["agent_ids"] == [str(world.agent.id)]
    assert body["concurrency"] == {"limit": 10, "active": 1, "remaining": 9}
    assert body["experiment"] is None and body["trunk"] is None
    call = Call.objects.get(call_sid="CA-1")
    assert (call.status, call.agent_id, call.agent_version_id, call.phone_number_id, str(call.id)) == (
        "initiated", world.agent.id, world.version.id, world.number.id, body["call_id"])
    assert AuditLog.objects.filter(action="call.create", resource_id=str(call.id)).exists()


def test_runtime_continues_the_call_row_and_frees_the_slot(world):
    world.tenant_a.max_concurrent_calls = 1
    world.tenant_a.save(update_fields=["max_concurrent_calls"])
    call_id = resolve(world.routing_a, world.number, "CA-1").json()["call_id"]
    assert resolve(world.routing_a, world.number, "CA-2").json()["code"] == "tenant_at_capacity"
    runtime = client_for(make_key(world.tenant_a, permissions={"calls": ["write"]}))
    assert runtime.patch(f"/api/v1/calls/{call_id}/", {"status": "answered"}, format="json").status_code == 200
    assert resolve(world.routing_a, world.number, "CA-3").status_code == 429  # answered still holds the slot
    assert runtime.patch(f"/api/v1/calls/{call_id}/", {"status": "completed"}, format="json").status_code == 200
    assert resolve(world.routing_a, world.number, "CA-4").status_code == 201


def test_same_call_sid_again_answers_the_same_call_without_a_second_slot(world):
    first = resolve(world.routing_a, world.number, "CA-retry").json()
    again = resolve(world.routing_a, world.number, "CA-retry")
    assert again.status_code == 201 and again.json()["call_id"] == first["call_id"]
    assert again.json()["concurrency"]["active"] == 1
    assert Call.objects.filter(call_sid="CA-retry").count() == 1
    Call.objects.filter(call_sid="CA-retry").update(status="completed")
    conflict = resolve(world.routing_a, world.number, "CA-retry")
    assert conflict.status_code == 409 and conflict.json()["code"] == "call_sid_conflict"


def _refused(client, number, status, code, sid="CA-x"):
    before = Call.objects.count()
    response = resolve(client, number, sid)
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"]
    assert Call.objects.count() == before  # a refusal reserves nothing
    return body


def test_unknown_and_inactive_numbers(world):
    _refused(world.routing_a, "+12025550177", 404, "number_unknown")
    world.number.status = "suspended"
    world.number.save(update_fields=["status"])
    assert _refused(world.routing_a, world.number, 409, "number_inactive")["status"] == "suspended"


def test_no_agent_agent_inactive_nothing_published(world):
    world.number.agent = None
    world.number.save(update_fields=["agent"])
    _refused(world.routing_a, world.number, 409, "no_agent")
    world.number.agent = world.agent
    world.number.save(update_fields=["agent"])
    world.agent.status = "inactive"
    world.agent.save(update_fields=["status"])
    assert _refused(world.routing_a, world.number, 409, "agent_inactive")["agent_status"] == "inactive"
    world.agent.status = "active"
    world.agent.save(update_fields=["status"])
    type(world.version).objects.filter(pk=world.version.pk).update(is_published=False, status="archived")
    _refused(world.routing_a, world.number, 409, "nothing_published")


def test_tenant_or_organization_suspended(world):
    platform = client_for(make_key(organization=f.OrganizationFactory(slug=settings.PLATFORM_ORGANIZATION_SLUG),
                                   permissions=ROUTING))
    world.org1.status = "suspended"
    world.org1.save(update_fields=["status"])
    _refused(platform, world.number, 409, "organization_suspended")
    world.org1.status = "active"
    world.org1.save(update_fields=["status"])
    world.tenant_a.status = "suspended"
    world.tenant_a.save(update_fields=["status"])
    assert _refused(platform, world.number, 409, "tenant_suspended")["tenant_status"] == "suspended"
    # The tenant's own key reaches the same refusal (not a generic 403).
    _refused(world.routing_a, world.number, 409, "tenant_suspended")


def test_tenant_at_capacity_counts_only_live_calls(world, settings):
    world.tenant_a.max_concurrent_calls = 2
    world.tenant_a.save(update_fields=["max_concurrent_calls"])
    f.CallFactory(phone_number=world.number, status="ringing", start_time=timezone.now())
    f.CallFactory(phone_number=world.number, status="completed", start_time=timezone.now())
    stale = timezone.now() - dt.timedelta(minutes=settings.AYBIZA_ROUTING["STALE_CALL_MINUTES"] + 1)
    f.CallFactory(phone_number=world.number, status="answered", start_time=stale)  # never reported its end
    other = routed(world.tenant_a2, tool=False)[0]
    f.CallFactory(phone_number=other, status="answered", start_time=timezone.now())  # another tenant's
    assert resolve(world.routing_a, world.number, "CA-1").json()["concurrency"] == {"limit": 2, "active": 2,
                                                                                    "remaining": 0}
    body = _refused(world.routing_a, world.number, 429, "tenant_at_capacity", "CA-2")
    assert (body["limit"], body["active"]) == (2, 2)


def test_trunk_at_capacity(world):
    trunk = f.SipTrunkFactory(tenant=world.tenant_a, max_concurrent_calls=1)
    world.number.settings = {"sip_trunk_id": str(trunk.id)}
    world.number.save(update_fields=["settings"])
    first = resolve(world.routing_a, world.number, "CA-1").json()
    assert first["trunk"] == {"id": str(trunk.id), "name": trunk.name, "limit": 1, "active": 1, "remaining": 0}
    assert _refused(world.routing_a, world.number, 429, "trunk_at_capacity", "CA-2")["trunk_id"] == str(trunk.id)
    # Another number of the tenant, not on the trunk, still gets through.
    other = f.PhoneNumberFactory(tenant=world.tenant_a, agent=world.agent, status="active")
    assert resolve(world.routing_a, other, "CA-3").status_code == 201


@pytest.mark.parametrize("body, field", [
    ({"to": "12345", "from": "+12025550199", "call_sid": "CA-1"}, "to"),
    ({"to": "+1202", "from": "+12025550199", "call_sid": "CA-1"}, "to"),
    ({"to": ["+12025550100"], "from": "+12025550199", "call_sid": "CA-1"}, "to"),
    ({"from": "+12025550199", "call_sid": "CA-1"}, "to"),
    ({"to": "+12025550100", "call_sid": "CA-1"}, "from"),
    ({"to": "+12025550100", "from": "+12025550199"}, "call_sid"),
    ({"to": "+12025550100", "from": "+12025550199", "call_sid": ""}, "call_sid"),
])
def test_bad_input_is_a_400_naming_the_field(world, body, field):
    response = world.routing_a.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not Call.objects.exists()


def test_withheld_caller_is_accepted_as_sent(world):
    assert resolve(world.routing_a, world.number, caller="anonymous").status_code == 201
    assert Call.objects.get(call_sid="CA-1").from_number == "anonymous"


# ---- keys and scopes ----------------------------------------------------------------------------------------

def test_scope_is_required_and_never_granted_by_a_wildcard(world):
    for permissions in ({"*": ["read", "write"]}, {"calls": ["write"], "agents": ["read", "write"]}):
        response = resolve(client_for(make_key(world.tenant_a, permissions=permissions)), world.number)
        assert response.status_code == 403 and response.json() == {**response.json(), "code": "missing_scope",
                                                                   "scope": "routing:resolve"}
    assert not Call.objects.exists()


def test_tenant_key_resolves_only_its_own_numbers(world):
    other_number = routed(world.tenant_a2, tool=False)[0]
    _refused(world.routing_a, other_number, 404, "number_unknown")  # same organization, another tenant
    b_number = routed(world.tenant_b, tool=False)[0]
    _refused(world.routing_a, b_number, 404, "number_unknown")
    routing_b = client_for(make_key(world.tenant_b, permissions=ROUTING))
    _refused(routing_b, world.number, 404, "number_unknown")


def test_organization_keys_resolve_their_organization_only(world):
    org1 = client_for(make_key(organization=world.org1, permissions=ROUTING))
    org2 = client_for(make_key(organization=world.org2, permissions=ROUTING))
    assert resolve(org1, world.number, "CA-1").status_code == 201
    _refused(org2, world.number, 404, "number_unknown", "CA-2")


def test_platform_key_resolves_any_number_and_reads_nothing_else(world):
    platform_org = f.OrganizationFactory(slug=settings.PLATFORM_ORGANIZATION_SLUG)
    platform = client_for(make_key(organization=platform_org, permissions=ROUTING))
    b_number = routed(world.tenant_b, tool=False)[0]
    assert resolve(platform, world.number, "CA-1").json()["tenant"]["id"] == str(world.tenant_a.id)
    assert resolve(platform, b_number, "CA-2").json()["tenant"]["id"] == str(world.tenant_b.id)
    for url in ("/api/v1/agents/", "/api/v1/calls/", "/api/v1/phone-numbers/", f"/api/v1/agents/{world.agent.id}/",
                f"/api/v1/agents/{world.agent.id}/experiment/"):
        response = platform.get(url)
        assert response.status_code == 403 and response.json()["code"] == "missing_scope", url
    # Even with read scopes, the platform organization's key sees only its own organization's rows.
    reader = client_for(make_key(organization=platform_org, permissions={"*": ["read"], **ROUTING}))
    assert reader.get("/api/v1/agents/").json()["results"] == []
    assert reader.get(f"/api/v1/agents/{world.agent.id}/").status_code == 404


def test_create_api_key_command_mints_a_routing_key(world, capsys):
    user = f.UserFactory(tenant=world.tenant_a)
    call_command("create_api_key", "--organization", world.org1.slug, "--tenant", world.tenant_a.slug,
                 "--name", "runtime", "--created-by", user.email, "--scope", "routing:resolve")
    raw = capsys.readouterr().out.strip()
    assert resolve(client_for(raw), world.number).status_code == 201
    for bad in ("routing:read", "*:resolve", "routing:write"):
        with pytest.raises(CommandError):
            call_command("create_api_key", "--organization", world.org1.slug, "--name", "x",
                         "--created-by", user.email, "--scope", bad)


# ---- the cache never answers stale ---------------------------------------------------------------------------

def _version(world, client, sid):
    response = resolve(client, world.number, sid)
    assert response.status_code == 201, response.content
    return response.json()["agent_version"]


def test_publish_rollback_archive_are_seen_at_once(world, django_capture_on_commit_callbacks):
    user = world.user_a
    assert _version(world, world.routing_a, "CA-1")["id"] == str(world.version.id)  # now cached
    v2 = f.AgentVersionFactory(agent=world.agent, system_prompt="v2 prompt")
    with django_capture_on_commit_callbacks(execute=True):
        agent_version_publish(agent_version=v2, actor=user)
    snap = _version(world, world.routing_a, "CA-2")
    assert (snap["id"], snap["system_prompt"], snap["tools"]) == (str(v2.id), "v2 prompt", [])
    with django_capture_on_commit_callbacks(execute=True):
        agent_version_rollback(agent_version=type(v2).objects.get(pk=world.version.pk), actor=user)
    assert _version(world, world.routing_a, "CA-3")["id"] == str(world.version.id)
    with django_capture_on_commit_callbacks(execute=True):
        world.version.refresh_from_db()
        v3 = f.AgentVersionFactory(agent=world.agent, status="testing")
        agent_version_archive(agent_version=v3, actor=user)
    assert _version(world, world.routing_a, "CA-4")["id"] == str(world.version.id)


def test_tool_and_workflow_publish_are_seen_at_once(world, django_capture_on_commit_callbacks):
    first = _version(world, world.routing_a, "CA-1")
    tool_id = first["tools"][0]["id"]
    tool = Tool.objects.get(pk=tool_id)
    # The snapshot is cached: a change that bypasses the services is not seen (what makes the rest meaningful).
    ToolVersion.objects.filter(tool=tool, is_published=True).update(config={"changed": "behind the back"})
    assert _version(world, world.routing_a, "CA-1b")["tools"][0]["config"] == first["tools"][0]["config"]
    new_tool = f.ToolVersionFactory(tool=tool, input_schema={"type": "object", "required": ["phone"]})
    with django_capture_on_commit_callbacks(execute=True):
        tool_version_publish(tool_version=new_tool, actor=world.user_a)
    assert _version(world, world.routing_a, "CA-2")["tools"][0]["input_schema"]["required"] == ["phone"]
    workflow = f.WorkflowFactory(tenant=world.tenant_a, trigger_config={"agent_ids": [str(world.agent.id)]})
    wv = f.WorkflowVersionFactory(workflow=workflow)
    with django_capture_on_commit_callbacks(execute=True):
        workflow_version_publish(workflow_version=wv, actor=world.user_a)
    assert str(wv.id) in {w["version_id"] for w in _version(world, world.routing_a, "CA-3")["workflows"]}


def test_number_reassignment_and_suspension_are_seen_at_once(world, django_capture_on_commit_callbacks):
    assert _version(world, world.routing_a, "CA-1")["id"] == str(world.version.id)
    _, agent2, version2 = routed(world.tenant_a, tool=False)
    writer = client_for(make_key(world.tenant_a, permissions={"phone-numbers": ["write", "read"]}))
    with django_capture_on_commit_callbacks(execute=True):
        response = writer.patch(f"/api/v1/phone-numbers/{world.number.id}/",
                                {"agent": str(agent2.id), "version": world.number.version}, format="json")
    assert response.status_code == 200, response.content
    body = resolve(world.routing_a, world.number, "CA-2").json()
    assert (body["agent"]["id"], body["agent_version"]["id"]) == (str(agent2.id), str(version2.id))
    world.tenant_a.status = "suspended"
    world.tenant_a.save(update_fields=["status"])
    assert resolve(world.routing_a, world.number, "CA-3").json()["code"] == "tenant_suspended"


# ---- stale calls ---------------------------------------------------------------------------------------------

def test_expire_stale_calls_frees_capacity_and_is_idempotent(world, settings, capsys):
    minutes = settings.AYBIZA_ROUTING["STALE_CALL_MINUTES"]
    old = f.CallFactory(phone_number=world.number, status="answered",
                        start_time=timezone.now() - dt.timedelta(minutes=minutes + 5), end_time=None)
    fresh = f.CallFactory(phone_number=world.number, status="ringing", start_time=timezone.now(), end_time=None)
    call_command("expire_stale_calls")
    assert capsys.readouterr().out.strip() == f"Expired 1 stale call(s) older than {minutes} minutes."
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.status == "failed" and old.metadata["expired"] is True and old.end_time is not None
    assert fresh.status == "ringing"
    assert AuditLog.objects.filter(action="call.update", resource_id=str(old.id)).exists()
    assert expire_stale_calls() == 0
