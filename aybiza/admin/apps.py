from django.contrib.admin.apps import AdminConfig


class OpsAdminConfig(AdminConfig):
    """`django.contrib.admin` with the ops console's AdminSite as `admin.site`."""

    default_site = "aybiza.platform.site.OpsAdminSite"

    def ready(self):
        super().ready()
        from django.contrib import admin
        from django.contrib.auth.models import Group

        from . import secrets

        secrets.install()  # encrypted columns never render their plaintext (aybiza/admin/secrets.py)

        # Back-office permissions come from roles (accounts/roles.py), not from auth groups.
        if admin.site.is_registered(Group):
            admin.site.unregister(Group)

        from .jobs import register as register_jobs

        register_jobs(admin.site)  # the job queue, read-only (aybiza/admin/jobs.py)
