"""The demo data set loaded by `manage.py seed_demo` (and by `./dev run`).

It must run wherever the project runs, so it uses no test-only library
(factory_boy, Faker) and nothing from tests/: small generators of its own
(fake.py), driven by `random.Random(seed)`.

- The fixed catalog (catalog.py and the modules it calls: accounts, agents,
  telephony, automation, security) is found by natural keys and created only
  when missing: re-running never duplicates it.
- The activity (calls.py, events.py) is added on every run, with COPY.
"""

from .seed import Summary, seed_demo

__all__ = ["Summary", "seed_demo"]
