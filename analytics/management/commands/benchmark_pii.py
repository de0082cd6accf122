"""Measure PII detection on a generated labelled set: precision and recall per type, throughput."""

from django.core.management.base import BaseCommand, CommandError

from analytics.pii import benchmark
from analytics.pii.detection import ENTITIES, analyzer

TARGETS = {"PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "IBAN_CODE"}  # recall >= 0.98, precision >= 0.95


class Command(BaseCommand):
    help = (
        "Generate a labelled set of voice-agent utterances from a seed (PII in many formats and countries, and hard "
        "negatives), run the detector over it and print precision and recall per type, utterances per second and "
        "transcripts (10 turns) redacted per second. Targets: recall >= 0.98 and precision >= 0.95 for phone, "
        "e-mail, card, SSN and IBAN. No database access."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=1000, help="utterances (default 1000; at least 500 for figures)")
        parser.add_argument("--seed", type=int, default=20261201)
        parser.add_argument("--show-errors", type=int, default=0, metavar="N",
                            help="print up to N misses and false positives (the values are synthetic)")

    def handle(self, *args, count, seed, show_errors, **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        analyzer()  # built before the clock starts (a one-off ~2 s per process)
        utterances = benchmark.generate(count, seed)
        errors = [] if show_errors else None
        result = benchmark.score(utterances, misses=errors)
        transcripts, seconds = benchmark.redaction_throughput(utterances)
        negatives = sum(1 for u in utterances if not u.spans)
        self.stdout.write(f"PII benchmark: {count} utterances (seed {seed}; {count - negatives} with PII, "
                          f"{negatives} hard negatives)")
        self.stdout.write(f"{'type':<15}{'labelled':>9}{'found':>7}{'precision':>11}{'recall':>8}  target")
        met = True
        for entity in ENTITIES:
            precision, recall = result.precision(entity), result.recall(entity)
            found = result.true_positives[entity] + result.false_positives[entity]
            target = ""
            if entity in TARGETS:
                ok = (recall is None or recall >= 0.98) and (precision is None or precision >= 0.95)
                met &= ok
                target = "met" if ok else "NOT MET"
            self.stdout.write(f"{entity:<15}{result.labelled[entity]:>9}{found:>7}"
                              f"{_fmt(precision):>11}{_fmt(recall):>8}  {target}")
        self.stdout.write(f"detection: {result.utterances / result.seconds:,.0f} utterances/s; "
                          f"redaction: {transcripts / seconds:,.1f} transcripts/s ({transcripts} transcripts of "
                          f"10 turns, full_text + turns, in memory)")
        self.stdout.write("targets " + ("met" if met else "NOT met"))
        for text, what, entity, value in (errors or [])[:show_errors]:
            self.stdout.write(f"  {what:<15} {entity:<14} {value!r:<32} in {text!r}")


def _fmt(value):
    return "-" if value is None else f"{value:.3f}"
