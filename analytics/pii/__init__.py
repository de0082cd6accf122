"""PII in call transcripts: detection (Presidio recognizers + phonenumbers), redaction, benchmark set.

    detection.py   what is found, with which recognizer (no model, nothing downloaded)
    redaction.py   the one service every entry point calls (transcript_redact)
    benchmark.py   the generated labelled set and its scoring (benchmark_pii)
"""
