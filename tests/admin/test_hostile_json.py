"""The ops console never recurses over deep JSON and refuses what PostgreSQL cannot store (issue 9, #3/#4)."""


import pytest
from django.urls import reverse

from agents.models import Agent
from aybiza.admin.forms import TOO_DEEP, JSONEditorField
from aybiza.admin.secrets import TOO_DEEP_DISPLAY
from tests import factories as f

from .conftest import logged_in


def _deep(depth):
    value = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("text, message", [
    ('{"a": ' * 40 + "1" + "}" * 40, "JSON nesting is deeper than 32 levels"),
    ("[" * 5000 + "]" * 5000, "JSON nesting is deeper than 32 levels"),
    ('{"k": "a\\u0000b"}', "NUL characters are not allowed. (at k)"),
    ('{"k": ["\\ud800"]}', "Lone surrogate characters are not allowed. (at k.0)"),
])
def test_admin_json_field_refuses_deep_or_unstorable_values(text, message):
    field = JSONEditorField(required=False)
    with pytest.raises(Exception) as caught:
        field.clean(text)
    assert message in " ".join(caught.value.messages)


def test_a_stored_deep_value_never_breaks_the_change_page(ops_superuser, ops_operator):
    agent = f.AgentFactory()
    Agent.objects.filter(pk=agent.pk).update(voice_config=_deep(900))  # written before the limit existed
    for client in (logged_in(ops_superuser), logged_in(ops_operator)):  # an editable form, a read-only display
        page = client.get(reverse("admin:agents_agent_change", args=[agent.pk]))
        assert page.status_code == 200
        text = page.content.decode()
        assert TOO_DEEP in text or TOO_DEEP_DISPLAY in text
    assert logged_in(ops_superuser).get(reverse("admin:agents_agent_changelist")).status_code == 200
