"""factory_boy factories for the agents app's models (tests/factories/__init__.py has the rules)."""

import copy

import factory
from factory.django import DjangoModelFactory

from agents.models import Agent, AgentVersion, ConversationNode

from .common import published_trait
from .accounts import TenantScopedFactory


class AgentFactory(TenantScopedFactory):
    class Meta:
        model = Agent

    name = factory.Sequence(lambda n: f"Agent {n}")
    description = "Answers the front desk line."
    system_prompt = "You are the friendly front desk of a dental practice. Book appointments; never give advice."
    status = "active"


class AgentVersionFactory(DjangoModelFactory):
    """A draft version; `published=True` for the (single) published one."""

    class Meta:
        model = AgentVersion

    class Params:
        published = published_trait()

    agent = factory.SubFactory(AgentFactory)
    version = factory.Sequence(lambda n: n + 1)
    system_prompt = factory.SelfAttribute("agent.system_prompt")
    voice_config = factory.LazyAttribute(lambda o: copy.deepcopy(o.agent.voice_config))
    language_config = factory.LazyAttribute(lambda o: copy.deepcopy(o.agent.language_config))
    model_config = factory.LazyAttribute(lambda o: copy.deepcopy(o.agent.model_config))
    status = "draft"
    created_by = factory.SelfAttribute("agent.created_by")


class ConversationNodeFactory(DjangoModelFactory):
    class Meta:
        model = ConversationNode

    agent_version = factory.SubFactory(AgentVersionFactory)
    agent = factory.SelfAttribute("agent_version.agent")
    name = factory.Sequence(lambda n: f"Node {n}")
    node_type = "response"
    content = "Answer the caller's question briefly."
    created_by = factory.SelfAttribute("agent_version.created_by")
