"""Errors that business services raise, and that every caller maps the same way.

- `django.core.exceptions.ValidationError`: bad input, with field names
  (admin: form errors; API: 400 with field errors).
- `TransitionRefused`: the object's current state does not allow the action
  (admin: error message; API: 409). Nothing was changed.
- `LimitExceeded`: a tenant limit (max_agents, max_phone_numbers, ...) or a
  suspended tenant/organization forbids it (admin: error message; API: 409).
- `aybiza.core.db.locking.StaleVersionError`: someone else saved first (API: 409).
"""


class ServiceError(Exception):
    """Base of refusals by a business service; the message is for humans."""

    code = "refused"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class TransitionRefused(ServiceError):
    code = "invalid_transition"


class LimitExceeded(ServiceError):
    code = "limit_exceeded"
