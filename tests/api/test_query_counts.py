"""Every list endpoint: the number of queries does not grow with the number of rows on the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aybiza.api.routers import load

from .resources import OBJECTS

router = load()


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(queries)


LISTS = [(p, b) for p, v, b in router.registry if hasattr(v, "list")]  # routing/resolve has no list


@pytest.mark.parametrize("prefix, basename", LISTS, ids=[b for _, b in LISTS])
def test_list_query_count_is_independent_of_page_size(api, prefix, basename):
    url = f"/api/v1/{prefix}/"
    make = OBJECTS[basename]
    if basename == "usage":
        pytest.skip("usage aggregates the rollup in a fixed number of queries; there are no rows per object")
    make(api.tenant_a)
    api.a.get(url)  # the key's row is loaded into the cache by the first request (security_app/services/api_keys.py)
    few = count_queries(api.a, url)
    for _ in range(4):
        make(api.tenant_a)
    many = count_queries(api.a, url)
    assert many == few, f"{url}: {few} queries for 1 row, {many} for 5"
