"""PII in call transcripts: detection (Presidio recognizers + phonenumbers), redaction, benchmark set.

    detection.py   what is found, with which recognizer (no model, nothing downloaded)
    (the redaction service every entry point calls: analytics/services/redaction.py)
    benchmark.py   the generated labelled set and its scoring (benchmark_pii)
"""
