"""Generate a compliance report synchronously (the job of security_app/services/compliance.py).

    manage.py generate_compliance_report --organization SLUG [--tenant SLUG] --type soc2 --days 30 --by EMAIL
    manage.py generate_compliance_report --report ID        # (re)generate one that is generating or failed
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Organization, Tenant, User
from security_app.services import compliance
from security_app.choices import ComplianceReportType
from security_app.models import ComplianceReport


class Command(BaseCommand):
    help = "Run the control catalogue for an organization (or tenant) and period; store the JSON and PDF."

    def add_arguments(self, parser):
        parser.add_argument("--report", help="id of an existing report to (re)generate")
        parser.add_argument("--organization", help="organization slug")
        parser.add_argument("--tenant", help="tenant slug (omit for the whole organization)")
        parser.add_argument("--type", choices=ComplianceReportType.values, default="soc2")
        parser.add_argument("--days", type=int, default=30, help="period: the last N days (default 30)")
        parser.add_argument("--by", help="email of the user recorded as generated_by")

    def handle(self, *args, **o):
        if o["report"]:
            report = ComplianceReport.objects.filter(pk=o["report"]).first()
            if report is None:
                raise CommandError(f"No compliance report {o['report']!r}.")
        else:
            organization = Organization.objects.filter(slug=o["organization"] or "").first()
            if organization is None:
                raise CommandError("Give --organization SLUG (or --report ID).")
            tenant = None
            if o["tenant"]:
                tenant = Tenant.objects.filter(slug=o["tenant"], organization=organization).first()
                if tenant is None:
                    raise CommandError(f"No tenant {o['tenant']!r} in {organization.slug!r}.")
            actor = User.objects.filter(email=(o["by"] or "").lower()).first()
            if actor is None:
                raise CommandError("Give --by EMAIL (the user recorded as generated_by).")
            if not 1 <= o["days"] <= 366:
                raise CommandError("--days must be 1..366.")
            end = timezone.now()
            report = ComplianceReport.objects.create(
                organization=organization, tenant=tenant, report_type=o["type"], generated_by=actor,
                reporting_period_start=end - datetime.timedelta(days=o["days"]), reporting_period_end=end,
                status="generating")
        report = compliance.compliance_report_generate(report=report, actor=None)
        if report.status != "completed":
            raise CommandError(f"Report {report.pk} failed: {report.error_message}")
        summary = report.report_data["summary"]
        self.stdout.write(f"Report {report.pk}: {summary['pass']} pass, {summary['fail']} fail, "
                          f"{summary['not_applicable']} n/a; sha256 {report.checksum}")
        for document in report.documents.values():
            self.stdout.write(f"  {document['name']} ({document['bytes']} bytes, sha256 {document['sha256']})")
