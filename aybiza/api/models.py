"""The API's own bookkeeping: per-key rate-limit counters (aybiza/api/ratelimit.py)."""

from django.db import models

from aybiza.core.db.columns import table


class ApiRateCounter(models.Model):
    """One row per (API key, period): the current fixed window's count.

    Written only with one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`
    per request (ratelimit.py), which PostgreSQL serializes on the row lock:
    exact across processes, threads and hosts. Never read by the ORM in the
    request path; the model exists for the migration and for inspection.
    """

    api_key = models.ForeignKey("security_app.ApiKey", on_delete=models.CASCADE, related_name="+", db_index=False)
    period = models.CharField(max_length=10)  # minute | hour | day | total
    window_start = models.DateTimeField()
    limit_value = models.BigIntegerField()
    count = models.BigIntegerField()
    refused = models.BigIntegerField(default=0)
    over_limit = models.BooleanField(default=False)

    class Meta:
        db_table = table("security", "api_rate_counters")
        constraints = [models.UniqueConstraint(fields=["api_key", "period"], name="api_rate_counters_key_period")]

    def __str__(self):
        return f"{self.api_key_id} {self.period}: {self.count}/{self.limit_value}"


class AuthFailureCounter(models.Model):
    """Failed authentications per client address and scope ("api", "admin") in the current window.

    Written with one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` per failure
    (aybiza/api/auth_throttle.py); an extension of the spec (docs/decisions.md).
    """

    address = models.CharField(max_length=64)
    scope = models.CharField(max_length=10)
    window_start = models.DateTimeField()
    count = models.BigIntegerField()

    class Meta:
        db_table = table("security", "auth_failure_counters")
        constraints = [models.UniqueConstraint(fields=["address", "scope"], name="auth_failure_counters_address")]

    def __str__(self):
        return f"{self.scope} {self.address}: {self.count}"
