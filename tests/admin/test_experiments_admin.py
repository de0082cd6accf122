"""The ops console: experiment configuration refused with the field named, results on the agent page,
stop and promote flows (permission-guarded, audited)."""

import json

from agents.models import AgentVersion
from security_app.models import AuditLog
from tests import factories as f

from .test_editing import change_url, form_data
from .test_flows import flow_url


def _experiment(weights=(50, 50)):
    published = f.AgentVersionFactory(published=True)
    challenger = f.AgentVersionFactory(agent=published.agent, status="testing")
    cfg = {"experiment_id": "adm-1", "variants": [{"version_id": str(published.id), "weight": weights[0]},
                                                  {"version_id": str(challenger.id), "weight": weights[1]}]}
    return published, challenger, cfg


def test_invalid_config_is_a_form_error_on_the_field(admin_client):
    published, challenger, cfg = _experiment((70, 20))
    data = form_data(admin_client.get(change_url(challenger)))
    data["a_b_test_config"] = json.dumps(cfg)
    response = admin_client.post(change_url(challenger), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "sum to 100 (they sum to 90)" in " ".join(errors["a_b_test_config"])
    challenger.refresh_from_db()
    assert challenger.a_b_test_config == {}


def test_published_version_config_is_frozen_but_experiment_editable(admin_client):
    published, challenger, cfg = _experiment()
    form = admin_client.get(change_url(published)).context["adminform"].form
    assert "system_prompt" not in form.fields and "a_b_test_config" in form.fields
    data = form_data(admin_client.get(change_url(published)))
    data["a_b_test_config"] = json.dumps(cfg)
    response = admin_client.post(change_url(published), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    published.refresh_from_db()
    assert published.a_b_test_config["experiment_id"] == "adm-1"


def test_agent_page_shows_results_and_promote_flow(admin_client, ops_superuser, operator_client):
    published, challenger, cfg = _experiment()
    AgentVersion.objects.filter(pk=published.pk).update(a_b_test_config=cfg)
    number = f.PhoneNumberFactory(tenant=published.agent.tenant, agent=published.agent)
    for version, status in ((published, "completed"), (challenger, "failed")):
        f.CallFactory(phone_number=number, agent_version=version, status=status,
                      metadata={"routing": {"experiment_id": "adm-1"}})
    page = admin_client.get(change_url(published.agent)).content.decode()
    assert "Experiment <strong>adm-1</strong>" in page and "(control)" in page
    assert "aybiza-flow-experiment_promote" in page and "aybiza-flow-experiment_stop" in page
    agent = published.agent
    # Without agents.publish_agentversion: 403, nothing changed.
    denied = operator_client.post(flow_url(agent, "experiment_promote"), {"version_id": str(challenger.id)})
    assert denied.status_code == 403
    challenger.refresh_from_db()
    assert not challenger.is_published
    response = admin_client.post(flow_url(agent, "experiment_promote"),
                                 {"version_id": str(challenger.id), "reason": "better"})
    assert response.status_code == 302
    challenger.refresh_from_db()
    assert challenger.is_published and challenger.published_by == ops_superuser
    assert AuditLog.objects.filter(action="agent_experiment.promote").exists()
    assert "aybiza-flow-experiment_promote" not in admin_client.get(change_url(agent)).content.decode()
