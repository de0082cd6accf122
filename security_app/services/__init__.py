"""Business actions of the security app (see docs/services.md).

- `api_keys.py`: API keys (generation, hashing, lookup, creation, revocation);
- `reviews.py`: resolving security events, reviewing detections;
- `compliance.py`: compliance reports (controls, canonical JSON + PDF, verified downloads);
- `subject_requests.py`: data-subject requests (export, erasure, offboarding).
"""

from .api_keys import API_KEY, api_key_create, api_key_revoke
from .compliance import compliance_report_generate
from .reviews import SECURITY_EVENT, prompt_injection_review, security_event_resolve, voice_security_event_review

__all__ = [
    "API_KEY", "SECURITY_EVENT", "api_key_create", "api_key_revoke", "compliance_report_generate",
    "prompt_injection_review", "security_event_resolve", "voice_security_event_review",
]
