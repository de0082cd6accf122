"""Health of SIP trunks and phone numbers: the SIP OPTIONS client, thresholds, concurrent probing.

The services that record health are in telephony/services/health.py; docs/operations.md
("Health checks") explains the statuses, thresholds and history.
"""
