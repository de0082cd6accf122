"""Hostile input over every write endpoint, generated from the router and the OpenAPI schema (issue 9).

For every POST/PUT/PATCH operation of /api/v1/ and its request body's properties:

- deep JSON, a NUL, a lone surrogate in a string: 400 naming the value's path (the parser refuses them);
- out-of-range date-times (year 10000 / BC once in UTC), out-of-range integers, strings over their
  maxLength, non-E.164 phone numbers: 400 whose `fields` name every such property;
- a body over the size limit: 413;

and never a 5xx, and nothing written (the resource's rows, the object itself and the audit trail unchanged).
One request per operation and kind: about 300 requests, a few seconds.
"""

import json
from types import SimpleNamespace

import pytest
from django.forms.models import model_to_dict
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from security_app.models import AuditLog

from tests import factories as f

from .conftest import client_for, make_key
from .resources import OBJECTS

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
PHONE_PROPERTIES = {"number", "phone_number", "from_number", "to_number", "selected_number"}


def _resolve(ref):
    name = ref.rsplit("/", 1)[-1]
    return SCHEMA["components"]["schemas"][name]


def _properties(operation) -> dict:
    content = (operation.get("requestBody") or {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if not schema:
        return {}
    if "$ref" in schema:
        schema = _resolve(schema["$ref"])
    props = {}
    for name, prop in (schema.get("properties") or {}).items():
        if "$ref" in prop:
            prop = {**_resolve(prop["$ref"]), **{k: v for k, v in prop.items() if k != "$ref"}}
        if "allOf" in prop and len(prop["allOf"]) == 1 and "$ref" in prop["allOf"][0]:
            prop = {**_resolve(prop["allOf"][0]["$ref"]), **prop}
        if not prop.get("readOnly"):
            props[name] = prop
    return props


def operations():
    for path, item in SCHEMA["paths"].items():
        for method in ("post", "put", "patch"):
            if method in item:
                has_body = bool(item[method].get("requestBody"))
                yield pytest.param(path, method, _properties(item[method]), has_body, id=f"{method.upper()} {path}")


OPERATIONS = list(operations())


def _basename(path: str) -> str:
    prefix = path.split("/")[3]
    from aybiza.api.routers import load

    for registered, _, basename in load().registry:
        if registered == prefix:
            return basename
    raise LookupError(path)


class Target:
    """The URL to call (an object of tenant A for detail routes) and what must stay unchanged."""

    def __init__(self, api, path):
        self.obj = None
        if "{id}" in path:
            self.obj = OBJECTS[_basename(path)](api.tenant_a)
            path = path.replace("{id}", str(self.obj.pk))
        self.url = path
        view = resolve(path).func
        self.model = view.cls.queryset.model
        self.before = self.state()

    def state(self):
        obj = None
        if self.obj is not None:
            fresh = type(self.obj).objects.filter(pk=self.obj.pk).first()
            obj = fresh and {k: v for k, v in model_to_dict(fresh).items()}
        return self.model.objects.count(), AuditLog.objects.count(), obj

    def unchanged(self) -> bool:
        return self.state() == self.before


def _call(api, target, method, body: str):
    return getattr(api.a, method)(target.url, data=body.encode("utf-8", "surrogatepass"),
                                  content_type="application/json", HTTP_IF_MATCH='"1"')


def _assert_refused(response, target, names):
    assert response.status_code < 500, response.content[:500]
    assert 400 <= response.status_code < 500, response.content[:500]
    assert target.unchanged()
    if names:
        data = response.json()
        fields = data.get("fields") or {}
        named = " ".join(fields) + " " + json.dumps(fields)
        missing = [n for n in names if n not in named]
        assert not missing, (missing, data)


def _strings(props):
    return [n for n, p in props.items() if p.get("type") == "string" and "enum" not in p and p.get("format") != "uuid"]


def _parser_level(api, target, method, props):
    name = next(iter(_strings(props) or props or ["payload"]))
    deep = "[" * 2000 + "]" * 2000
    for body, named in (
        (f'{{"{name}": {deep}}}', None),  # a parse error: the message names the nesting
        (f'{{"{name}": "a\\u0000b"}}', name),
        (f'{{"{name}": "a\\udc80b"}}', name),
        (f'{{"{name}": ["ok", {{"k": "\\ud83d"}}]}}', name),
    ):
        response = _call(api, target, method, body)
        _assert_refused(response, target, [named] if named else [])
        if named is None:
            assert "nesting is deeper than" in json.dumps(response.json()), response.json()  # message or field


def _out_of_range(api, target, method, props):
    body, names = {}, []
    for name, prop in props.items():
        kind, fmt = prop.get("type"), prop.get("format")
        if kind == "string" and fmt == "date-time":
            body[name] = "9999-12-31T23:59:59-12:00"
        elif kind == "string" and fmt == "date":
            body[name] = "0001-01-01"
        elif kind == "integer":
            body[name] = 10**30
        elif kind == "string" and name in PHONE_PROPERTIES:
            body[name] = "12345"
        elif kind == "string" and prop.get("maxLength") and "enum" not in prop:
            body[name] = "x" * (prop["maxLength"] + 1)
        else:
            continue
        names.append(name)
    if not names:
        return
    response = _call(api, target, method, json.dumps(body))
    # On create every such field is named; on update a field fixed after creation may be ignored instead
    # (then it must not have been written: target.unchanged()).
    _assert_refused(response, target, names if method == "post" else [])
    if method != "post":
        fields = response.json().get("fields") or {}
        assert response.status_code != 400 or fields, response.json()


def _oversized(api, settings, target, method, props):
    settings.AYBIZA_API = {**settings.AYBIZA_API, "MAX_BODY_BYTES": 1024}
    name = next(iter(props or ["payload"]))
    response = _call(api, target, method, json.dumps({name: "x" * 2000}))
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert target.unchanged()


@pytest.fixture
def one_tenant(db):
    """Just tenant A and its all-scopes key (the cross-tenant matrix covers the rest): keeps this suite fast."""
    tenant = f.TenantFactory(max_agents=50, max_phone_numbers=50)
    return SimpleNamespace(tenant_a=tenant, a=client_for(make_key(tenant, permissions={
        "*": ["read", "write"], "routing": ["resolve"]})))


@pytest.mark.parametrize("path, method, props, has_body", OPERATIONS)
def test_hostile_input_is_a_4xx_naming_the_field_and_writes_nothing(one_tenant, settings, path, method, props,
                                                                    has_body):
    api = one_tenant
    target = Target(api, path)
    if has_body:  # an action that takes no body never reads one: only the size limit applies to it
        _parser_level(api, target, method, props)
        _out_of_range(api, target, method, props)
    _oversized(api, settings, target, method, props)


def test_the_suite_covers_every_write_endpoint():
    assert len(OPERATIONS) >= 20
    assert {"POST /api/v1/call-metrics/bulk/", "POST /api/v1/porting-requests/", "PATCH /api/v1/api-keys/{id}/"} <= {
        p.id for p in OPERATIONS}
