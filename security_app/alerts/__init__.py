"""Alerting: rules, webhook endpoints, alerts, notifications and their delivery attempts.

Tables of ours in the `security` schema (an extension of the spec, docs/decisions.md). Layout:
`models.py`, `choices.py`, `conditions.py` (the triggers this app owns), `services.py` (rule and endpoint
changes, audited), `evaluate.py` (firing, dedup, resolution, digests), `delivery.py` (e-mail and signed
webhooks), `admin.py`, `api.py`. Jobs: security_app/tasks.py.
"""
