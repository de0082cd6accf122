"""Run the long steps of data-subject requests (the jobs) from the command line, synchronously.

    manage.py data_subject_request list [--open]
    manage.py data_subject_request dry-run ID      # count rows per table and the legal holds
    manage.py data_subject_request run ID          # export or erase an APPROVED request (approval: ops console)

Both steps are the job functions of security_app/services/subject_requests.py: idempotent, safe to repeat.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from aybiza.core.errors import TransitionRefused
from security_app.services import subject_requests
from security_app.models import DataSubjectRequest


class Command(BaseCommand):
    help = "List data-subject requests, dry-run one (counts), or run an approved one (export / erasure)."

    def add_arguments(self, parser):
        parser.add_argument("step", choices=["list", "dry-run", "run"])
        parser.add_argument("id", nargs="?")
        parser.add_argument("--open", action="store_true", help="list: only requests not completed/rejected")

    def handle(self, *args, step, id, open, **options):
        if step == "list":
            rows = DataSubjectRequest.objects.order_by("due_at")
            if open:
                rows = rows.exclude(status__in=["completed", "rejected"])
            for row in rows.select_related("organization")[:500]:
                self.stdout.write(f"{row.pk}  {row.status:<13} due {row.due_at:%Y-%m-%d}  "
                                  f"{row.kind:<8} {row.scope:<12} {row.organization.slug}")
            return
        try:
            row = DataSubjectRequest.objects.get(pk=id)
        except (DataSubjectRequest.DoesNotExist, ValidationError, ValueError):
            raise CommandError(f"No data-subject request {id!r}.")
        try:
            if step == "dry-run":
                row = subject_requests.data_subject_request_dry_run(subject_request=row, reason="manage.py")
                for table, n in row.counts["tables"].items():
                    self.stdout.write(f"{table:<40} {n}")
                for hold in row.counts["holds"]:
                    self.stdout.write(f"legal hold: {hold['table']} ({hold['rows']} rows): {hold['reason']}")
                self.stdout.write(f"Dry run done: {row.counts['total']} row(s). Approve it in the ops console.")
            else:
                row = subject_requests.data_subject_request_run(subject_request=row, reason="manage.py")
                if row.status == "failed":
                    raise CommandError(f"Failed: {row.error_message}")
                self.stdout.write(f"Completed: {row.result.get('total', 0)} row(s) "
                                  f"{'exported to ' + row.archive_name if row.archive_name else 'erased'}.")
        except TransitionRefused as exc:
            raise CommandError(exc.message)
