"""The top floor: what composes every app (docs/architecture.md).

- `site.py`: the ops console's AdminSite (staff sign-in from accounts, the dashboard);
- `dashboard.py`: its index charts over every app's rollups;
- `demo/`: the demo data set (`manage.py seed_demo`);
- `management/commands/`: project-wide commands (seed_demo, the time-series upkeep
  refresh_rollups / enforce_retention / timeseries_status over every app's
  hypertables and rollups, and the benchmarks).

Nothing below imports from here.
"""
