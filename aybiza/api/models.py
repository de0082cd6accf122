"""The API's own bookkeeping: per-key rate-limit windows (aybiza/api/ratelimit.py) and failed-authentication counters."""

from django.db import models

from aybiza.core.db.columns import table


class ApiRateWindow(models.Model):
    """One row per API key: its current minute, hour and day windows, and every request it ever made.

    Written only by one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` per request (the function
    security.api_rate_hit, ratelimit.py), which PostgreSQL serializes on the row lock: exact across
    processes, threads and hosts. Per period: the window's start, its count, the requests refused
    in it, and whether the latest request found it full. Never read by the ORM in the request path;
    the model exists for the migration and for inspection.
    """

    api_key = models.OneToOneField("security_app.ApiKey", on_delete=models.CASCADE, primary_key=True,
                                   related_name="+")
    minute_start = models.DateTimeField()
    minute_count = models.BigIntegerField()
    minute_refused = models.BigIntegerField(default=0)
    minute_over = models.BooleanField(default=False)
    hour_start = models.DateTimeField()
    hour_count = models.BigIntegerField()
    hour_refused = models.BigIntegerField(default=0)
    hour_over = models.BooleanField(default=False)
    day_start = models.DateTimeField()
    day_count = models.BigIntegerField()
    day_refused = models.BigIntegerField(default=0)
    day_over = models.BooleanField(default=False)
    total = models.BigIntegerField()

    class Meta:
        db_table = table("security", "api_rate_windows")

    def __str__(self):
        return f"{self.api_key_id}: {self.minute_count}/min {self.hour_count}/h {self.day_count}/day"


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
