"""A paginator that never runs a full COUNT(*) over a large table."""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


def estimated_row_count(queryset) -> int:
    """The planner's estimate of how many rows `queryset` returns (EXPLAIN, no execution)."""
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def table_row_estimate(model) -> int:
    """pg_class.reltuples of the model's table (and its chunks/partitions, if any)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            """SELECT COALESCE(SUM(GREATEST(c.reltuples, 0)), 0)::bigint FROM pg_class c
               WHERE c.oid = %s::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass)""",
            [model._meta.db_table.replace('"."', "."), model._meta.db_table.replace('"."', ".")],
        )
        return int(cursor.fetchone()[0])


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to `exact_limit` rows (a bounded `COUNT` over `LIMIT n+1`),
    beyond that shows the planner's estimate; `estimated` tells the template."""

    exact_limit = 10_000

    @cached_property
    def count(self):
        bounded = self.object_list.order_by()[: self.exact_limit + 1].count()
        if bounded <= self.exact_limit:
            self.estimated = False
            return bounded
        self.estimated = True
        return max(estimated_row_count(self.object_list), self.exact_limit + 1)

    estimated = False
