"""The job queue in the ops console: procrastinate's jobs, read-only, with their events (docs/operations.md).

procrastinate ships a ModelAdmin; we keep its pages (status, arguments, event history) and tighten who may
act: viewing needs `procrastinate.view_procrastinatejob` (a role permission, like every ops page), and the
retry/cancel/abort actions need `procrastinate.change_procrastinatejob`. Rows are never edited by hand.
"""

from django.contrib import admin
from procrastinate.contrib.django import admin as procrastinate_admin
from procrastinate.contrib.django.models import ProcrastinateJob


class JobAdmin(procrastinate_admin.ProcrastinateJobAdmin):
    list_display = ["pk", "short_task_name", "pretty_args", "pretty_status", "attempts", "scheduled_at", "summary"]
    search_fields = ["task_name", "lock", "queueing_lock"]
    list_per_page = 50
    ordering = ["-id"]

    def has_operate_permission(self, request):
        return request.user.has_perm("procrastinate.change_procrastinatejob")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_operate_permission(request):
            return {}
        return actions


def register(site) -> None:
    """Replace procrastinate's registration with ours on the ops site."""
    if site.is_registered(ProcrastinateJob):
        site.unregister(ProcrastinateJob)
    site.register(ProcrastinateJob, JobAdmin)


__all__ = ["JobAdmin", "register", "admin"]
