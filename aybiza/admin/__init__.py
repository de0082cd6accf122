"""The ops console: the Django admin made for the platform's operators.

- `site.py`: the AdminSite subclass (login with lockout and TOTP, forced
  password change, the dashboard index).
- `base.py`: the few shared ModelAdmin bases (audit fields, version locks,
  JSON and secret fields, read-only time-series tables).
- `forms.py`, `pagination.py`, `filters.py`: their building blocks.
- `flows.py`: admin pages and actions that call the business services.
- `dashboard.py`: the index charts (server-side SVG).

Each app's `admin.py` registers its models with these bases.
"""
