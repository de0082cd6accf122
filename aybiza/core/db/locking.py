"""Optimistic locking on the spec's `version` columns.

Every save of an existing row runs `UPDATE ... SET version = version + 1
WHERE id = %s AND version = <the version this instance was read at>`.
If another writer got there first, no row matches, nothing is changed and
`StaleVersionError` is raised. Like any error inside save(), it spoils an
enclosing transaction: callers that want to recover wrap the save in its own
`transaction.atomic()` (services do). `QuerySet.update()` bypasses this on purpose
(bulk maintenance); business changes go through services that call save().
"""

from django.db import models


class StaleVersionError(Exception):
    """The row changed since it was read; the update was refused."""

    def __init__(self, model, pk, expected, current):
        self.model, self.pk, self.expected, self.current = model, pk, expected, current
        name = model._meta.verbose_name
        if current is None:
            message = f"This {name} was deleted by someone else; nothing was saved."
        else:
            message = (
                f"This {name} was changed by someone else (version {current}, yours {expected}). "
                "Reload it and apply your change again."
            )
        super().__init__(message)


class VersionedModel(models.Model):
    """Abstract base for models whose `version` column is an optimistic lock."""

    class Meta:
        abstract = True

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        field = self._meta.get_field("version")
        expected = self.version
        new_version = (expected or 0) + 1
        values = [v for v in values if v[0] is not field] + [(field, None, new_version)]
        guard = {"version__isnull": True} if expected is None else {"version": expected}
        updated = base_qs.filter(pk=pk_val, **guard)._update(values) > 0
        if updated:
            self.version = new_version
            return True
        # Django only calls this for rows it loaded (new rows are inserted
        # directly), so a missing row was deleted meanwhile: refuse rather than
        # let save() fall back to an INSERT that would bring it back.
        current = base_qs.filter(pk=pk_val).values_list("version", flat=True).first()
        raise StaleVersionError(type(self), pk_val, expected, current)
