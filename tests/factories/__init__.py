"""factory_boy factories for every model of the six apps, one module per app.

Each factory builds a consistent graph: a record's organization is its
tenant's organization, its users belong to that tenant, a version's nodes
share the version's agent or workflow, and a call's tenant, agent and phone
number belong together. Pass a parent (`tenant=...`, `agent_version=...`)
and the rest of the graph follows it. Every product passes `full_clean()`
(tests/test_factories.py checks that, for every model).
"""

from .accounts import *  # noqa: F401,F403
from .alerting import *  # noqa: F401,F403
from .agents import *  # noqa: F401,F403
from .analytics import *  # noqa: F401,F403
from .automation import *  # noqa: F401,F403
from .common import *  # noqa: F401,F403
from .security_app import *  # noqa: F401,F403
from .telephony import *  # noqa: F401,F403
