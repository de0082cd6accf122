"""The ops console's AdminSite."""

from django.contrib import admin


class OpsAdminSite(admin.AdminSite):
    site_header = "AYBIZA ops console"
    site_title = "AYBIZA ops"
    index_title = "Operations"
