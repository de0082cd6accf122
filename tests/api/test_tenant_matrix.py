"""The cross-tenant matrix, generated from the router: tenant B (and B's organization) against A's objects.

For every resource, every detail route and action with every method it
allows, B's key gets 404 and A's row is unchanged; on every list route A's
object is absent from B's results. Organization keys see their own
organization's objects and never another's.
"""

import pytest
from django.forms.models import model_to_dict

from aybiza.api.routers import load

from .resources import OBJECTS

router = load()
WRITE_BODY = {"name": "hijack", "version": 1, "reason": "hijack", "number": "+15555550100", "count": 1,
              "status": "completed", "metrics": [], "system_prompt": "x"}


def routes():
    for prefix, viewset, basename in router.registry:
        yield pytest.param(prefix, viewset, basename, id=basename)


def detail_routes(prefix, viewset):
    """(url template, methods) for the detail route and every detail action."""
    methods = [m for m in ("get", "put", "patch", "delete") if m in viewset.http_method_names]
    allowed = [m for m in methods if hasattr(viewset, {"get": "retrieve", "put": "update", "patch": "partial_update",
                                                        "delete": "destroy"}[m])]
    if allowed:
        yield f"/api/v1/{prefix}/{{pk}}/", allowed
    for extra in viewset.get_extra_actions():
        if extra.detail:
            yield f"/api/v1/{prefix}/{{pk}}/{extra.url_path}/", [m for m in extra.mapping]


def list_routes(prefix, viewset):
    if hasattr(viewset, "list"):
        yield f"/api/v1/{prefix}/", ["get"]
    for extra in viewset.get_extra_actions():
        if not extra.detail:
            yield f"/api/v1/{prefix}/{extra.url_path}/", [m for m in extra.mapping]


def snapshot(obj):
    if obj is None:
        return None
    obj.refresh_from_db()
    return {k: v for k, v in model_to_dict(obj).items()}


def test_every_resource_has_a_case():
    missing = sorted({basename for _, _, basename in router.registry} - set(OBJECTS))
    assert not missing, f"add a case to tests/api/resources.py OBJECTS for: {missing}"


def _ids(response):
    data = response.json()
    rows = data["results"] if isinstance(data, dict) and "results" in data else data
    return {str(row.get("id")) for row in rows if isinstance(row, dict)}


@pytest.mark.parametrize("outsider", ["b", "org2"])
@pytest.mark.parametrize("prefix, viewset, basename", list(routes()))
def test_outsider_gets_404_and_changes_nothing(api, prefix, viewset, basename, outsider):
    obj = OBJECTS[basename](api.tenant_a)
    before = snapshot(obj)
    client = api.client(outsider)
    for template, methods in detail_routes(prefix, viewset):
        if obj is None:
            continue
        url = template.format(pk=obj.pk)
        for method in methods:
            response = getattr(client, method)(url, WRITE_BODY, format="json") if method != "get" else client.get(url)
            assert response.status_code == 404, (method.upper(), url, response.status_code, response.content[:300])
            assert response.json()["code"] == "not_found"
    for url, methods in list_routes(prefix, viewset):
        for method in methods:
            if method == "get":
                response = client.get(url)
                assert response.status_code == 200, (url, response.content[:300])
                if obj is not None and response["Content-Type"].startswith("application/json"):
                    assert str(obj.pk) not in _ids(response)
                elif obj is not None:
                    assert str(getattr(obj, "call_sid", obj.pk)) not in response.content.decode()
                if basename == "usage":
                    assert response.json() == []
    assert snapshot(obj) == before


@pytest.mark.parametrize("prefix, viewset, basename", list(routes()))
def test_owner_and_its_organization_can_read(api, prefix, viewset, basename):
    obj = OBJECTS[basename](api.tenant_a)
    if not hasattr(viewset, "list"):  # detail actions only (agents/{id}/experiment/): the owner reads them
        readable = [t for t, methods in detail_routes(prefix, viewset) if "get" in methods]
        if not readable:
            pytest.skip("no route to read (routing/resolve: test_routing_resolve_matrix)")
        for who in ("a", "org1"):
            for template in readable:
                response = api.client(who).get(template.format(pk=obj.pk))
                assert response.status_code == 200, (who, template, response.content[:300])
        assert api.client("a2").get(readable[0].format(pk=obj.pk)).status_code == 404
        return
    for who in ("a", "org1"):
        response = api.client(who).get(f"/api/v1/{prefix}/")
        assert response.status_code == 200, (who, response.content[:300])
        if obj is None:
            assert response.json(), "the usage rollup row is visible to its tenant"
            continue
        assert str(obj.pk) in _ids(response), (who, basename)
        if any(name == "retrieve" for name in dir(viewset)):
            assert api.client(who).get(f"/api/v1/{prefix}/{obj.pk}/").status_code == 200
    # A tenant of the same organization is still another tenant.
    if obj is not None:
        assert str(obj.pk) not in _ids(api.client("a2").get(f"/api/v1/{prefix}/"))


def test_routing_resolve_matrix(api, settings):
    """routing:resolve keys: tenant A and its organization resolve A's number; tenant A2 (same organization),
    tenant B and organization 2 get number_unknown and reserve nothing; the platform organization's key
    resolves it; no other scope (even "*") reaches resolve."""
    from analytics.models import Call
    from tests import factories as f

    from .conftest import client_for, make_key

    number = OBJECTS["routing"](api.tenant_a)
    routing = {"routing": ["resolve"]}
    platform = f.OrganizationFactory(slug=settings.PLATFORM_ORGANIZATION_SLUG)
    keys = {
        "a": make_key(api.tenant_a, permissions=routing), "org1": make_key(organization=api.org1, permissions=routing),
        "a2": make_key(api.tenant_a2, permissions=routing), "b": make_key(api.tenant_b, permissions=routing),
        "org2": make_key(organization=api.org2, permissions=routing),
        "platform": make_key(organization=platform, permissions=routing),
    }
    expected = {"a": 201, "org1": 201, "platform": 201, "a2": 404, "b": 404, "org2": 404}
    for who, status in expected.items():
        before = Call.objects.count()
        response = client_for(keys[who]).post("/api/v1/routing/resolve/",
                                              {"to": number.number, "from": "+12025550199", "call_sid": f"M-{who}"},
                                              format="json")
        assert response.status_code == status, (who, response.content[:300])
        if status == 404:
            assert response.json()["code"] == "number_unknown" and Call.objects.count() == before
            assert str(api.tenant_a.id) not in response.content.decode()
        else:
            assert response.json()["tenant"]["id"] == str(api.tenant_a.id)
            Call.objects.filter(call_sid=f"M-{who}").update(status="completed")
    for who in ("a", "b", "org1", "org2"):  # every key of the world holds "*": read and write
        response = api.client(who).post("/api/v1/routing/resolve/",
                                        {"to": number.number, "from": "+12025550199", "call_sid": "M-star"},
                                        format="json")
        assert response.status_code == 403 and response.json()["code"] == "missing_scope"
