"""Finding PII in text with Microsoft Presidio's recognizers, configured so that nothing is downloaded.

Presidio's default NLP engine loads a spaCy model (en_core_web_lg), downloading it
when it is missing. We give it a spaCy *blank* English pipeline instead: a
rule-based tokenizer that ships inside the spaCy package, no trained weights.
The recognizers we use are pattern/checksum/phonenumbers based and need only
tokens (for the context words around a match), so nothing is lost for them;
what a model would have added, person names and street addresses (spaCy's NER),
is not detected (docs/data-protection.md).

Entity types and how each is recognised:

    PHONE_NUMBER   Presidio's PhoneRecognizer (python `phonenumbers`): numbers valid
                   for their region, international (+44 ...) or national format in
                   the REGIONS below
    EMAIL_ADDRESS  Presidio's EmailRecognizer; its domain check uses tldextract's
                   bundled public-suffix snapshot (never its on-line fetch)
    CREDIT_CARD    Presidio's CreditCardRecognizer: Luhn-valid numbers only
    US_SSN         Presidio's UsSsnRecognizer: NNN-NN-NNNN (or with spaces/dots);
                   nine bare digits only next to "social security"/"SSN"
    IBAN_CODE      Presidio's IbanRecognizer: country format + ISO 7064 checksum
    DATE_OF_BIRTH  our PatternRecognizer of date formats, kept only next to
                   "born", "birth", "DOB", "birthday" (a date alone is not personal)

The engine is built once per process, on first use: importing Presidio and spaCy
takes ~2 s, which Django start-up (every command, every test worker) should not pay.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass

ENTITIES = ("PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "DATE_OF_BIRTH")

# National formats are recognised for these regions (international "+CC ..." numbers for all).
REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IE", "AU", "IN", "BR", "MX")

# A finding is kept when its score reaches its type's threshold (after context enhancement).
THRESHOLDS = {
    "PHONE_NUMBER": 0.4,
    "EMAIL_ADDRESS": 0.5,
    "CREDIT_CARD": 0.5,   # only a Luhn-valid match scores 1.0; the bare pattern is 0.3
    "US_SSN": 0.4,        # NNN-NN-NNNN 0.5; nine bare digits 0.05, 0.4 with "SSN"/"social security" near
    "IBAN_CODE": 0.5,     # checksum-valid
    "DATE_OF_BIRTH": 0.4,  # a date 0.1; 0.4+ with "born"/"birth"/"DOB" near
}

# What makes a short national number a phone number: a phone word before it in the same sentence,
# or "number" that is not a reference's ("my number is" yes, "order number" no).
PHONE_WORDS = re.compile(r"(?i)\b(?:phone\w*|telephone|cell|cellphone|mobile|landline|reach|call|calls|called|calling|"
                         r"callback|ring|text|texting|whatsapp|fax|dial|contact|tel)\b")
NUMBER_WORD = re.compile(r"(?i)\bnumber\b")
REFERENCE_NUMBER = re.compile(r"(?i)\b(?:order|policy|reference|ref|tracking|account|ticket|confirmation|part|serial|"
                              r"case|invoice|booking|member|customer|claim|flight|room|model|card|routing|security|"
                              r"id|tax|vat|passport|license|licence|registration)\s+number\b")
# Presidio's card pattern plus Mastercard's 2-series (2221-2720), which it lacks; Luhn decides either way.
CARD_PATTERNS_SOURCE = (
    ("All Credit Cards (weak)", r"\b(?!1\d{12}(?!\d))((4\d{3})|(5[0-5]\d{2})|(6\d{3})|(1\d{3})|(3\d{3}))[- ]?(\d{3,4})[- ]?(\d{3,4})[- ]?(\d{3,5})\b"),
    ("Mastercard 2-series (weak)", r"\b(2(?:22[1-9]|2[3-9]\d|[3-6]\d{2}|7[01]\d|720))[- ]?(\d{4})[- ]?(\d{4})[- ]?(\d{4})\b"),
)
DIGIT = re.compile(r"\d")
GLUED_BEFORE = re.compile(r"\d[ \-.]?$")
GLUED_AFTER = re.compile(r"^[ \-.]?\d")
SENTENCE_END = re.compile(r"[.?!](?:\s+|$)|\n")
DOB_CONTEXT = re.compile(r"(?i)\b(?:born|birth\w*|dob|d\.o\.b)\b")
CONTEXT_WINDOW = 60


@dataclass(frozen=True)
class Finding:
    entity_type: str
    start: int
    end: int
    score: float


@functools.cache
def analyzer():
    """The AnalyzerEngine (built on first use; see the module docstring for why the imports are here)."""
    import spacy
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry, RecognizerResult
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
    from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer, EmailRecognizer, IbanRecognizer, PhoneRecognizer, UsSsnRecognizer,
    )
    import tldextract

    class TokenizerNlpEngine(NlpEngine):
        """spaCy's blank English pipeline: tokens only, no trained model, nothing to download.

        Context words are compared with lower-cased tokens (there is no lemmatizer);
        the recognizers' context lists carry the inflections that matter.
        """

        def __init__(self):
            self.nlp = None

        def load(self):
            self.nlp = spacy.blank("en")

        def is_loaded(self):
            return self.nlp is not None

        def process_text(self, text, language):
            doc = self.nlp(text)
            return NlpArtifacts(entities=[], tokens=doc, tokens_indices=[t.idx for t in doc],
                                lemmas=[t.lower_ for t in doc], nlp_engine=self, language=language)

        def process_batch(self, texts, language, batch_size=1, n_process=1, **kwargs):
            for text in texts:
                yield text, self.process_text(text, language)

        def is_stopword(self, word, language):
            return self.nlp.vocab[word].is_stop

        def is_punct(self, word, language):
            return self.nlp.vocab[word].is_punct

        def get_supported_entities(self):
            return []

        def get_supported_languages(self):
            return ["en"]

    CARD_PATTERNS = [Pattern(name, regex, 0.3) for name, regex in CARD_PATTERNS_SOURCE]
    offline_domains = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(EmailRecognizer):
        """EmailRecognizer whose domain check never fetches the public-suffix list (bundled snapshot)."""

        def validate_result(self, pattern_text):
            return offline_domains(pattern_text).fqdn != ""

    class DateOfBirthRecognizer(PatternRecognizer):
        """Dates (numeric, ISO, with month names), kept only with "born"/"birth"/"DOB" in the same sentence.

        Context is checked here, not by the engine's word window, so that the date of an
        appointment in the sentence after "I was born in ..." is not taken for a birth date;
        a year after the current one is never a birth date.
        """

        def invalidate_result(self, pattern_text):
            years = [int(y) for y in re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", pattern_text)]
            return any(y > datetime.date.today().year for y in years)

        def enhance_using_context(self, text, raw_recognizer_results, other_raw_recognizer_results, nlp_artifacts,
                                  context=None):
            for result in raw_recognizer_results:
                before = SENTENCE_END.split(text[max(0, result.start - CONTEXT_WINDOW):result.start])[-1]
                after = SENTENCE_END.split(text[result.end:result.end + CONTEXT_WINDOW])[0]
                if DOB_CONTEXT.search(before) or DOB_CONTEXT.search(after):
                    result.score = max(result.score, 0.85)
                result.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            return raw_recognizer_results

    date_patterns = [
        Pattern("numeric date", r"\b(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)?\d{2}|(?:19|20)\d{2}-\d{1,2}-\d{1,2})\b", 0.1),
        Pattern("day month year",
                r"(?i)\b(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
                r"[a-z]*\.?,?\s+(?:19|20)\d{2}\b", 0.1),
        Pattern("month day year",
                r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?:the\s+)?\d{1,2}"
                r"(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2}\b", 0.1),
    ]
    dob = DateOfBirthRecognizer(supported_entity="DATE_OF_BIRTH", name="DateOfBirthRecognizer", patterns=date_patterns)

    class TranscriptPhoneRecognizer(PhoneRecognizer):
        """Presidio's PhoneRecognizer (phonenumbers, strict digit grouping), made wary of reference numbers.

        - a match glued to more digits ("3408 134296 53060": a digit run, not a number) is dropped;
        - a short national number (no "+", no trunk "0" or "(area)", fewer than 10 digits: "385-790-103",
          "49972710") looks like an order or policy number as much as a phone number: it scores 0.1
          and is kept only when a phone word (phone, call, mobile, reach, "my number") precedes it in
          the same sentence (PHONE_WORDS; checked here rather than by the engine's token window, which
          crosses sentences and drops "call" as a spaCy stop word);
        - texts with fewer than 6 digits are not scanned at all (most turns of a call).
        """

        def enhance_using_context(self, text, raw_recognizer_results, other_raw_recognizer_results, nlp_artifacts,
                                  context=None):
            for result in raw_recognizer_results:
                before = SENTENCE_END.split(text[max(0, result.start - CONTEXT_WINDOW):result.start])[-1]
                if PHONE_WORDS.search(before) or (NUMBER_WORD.search(before) and not REFERENCE_NUMBER.search(before)):
                    result.score = max(result.score, 0.4) + 0.2
                result.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
            return raw_recognizer_results

        def analyze(self, text, entities, nlp_artifacts=None):
            if len(DIGIT.findall(text)) < 6:
                return []
            results = []
            for result in super().analyze(text, entities, nlp_artifacts):
                raw = text[result.start:result.end]
                if GLUED_BEFORE.search(text[max(0, result.start - 2):result.start]) or GLUED_AFTER.match(text[result.end:]):
                    continue
                digits = len(DIGIT.findall(raw))
                if not raw.startswith("+") and digits > 12:
                    continue  # longer than any national number: a card-length or reference digit run
                if not raw.startswith(("+", "0", "(")) and digits < 10:
                    result.score = 0.1
                results.append(result)
            return results

    class TranscriptCardRecognizer(CreditCardRecognizer):
        """Presidio's CreditCardRecognizer (pattern + Luhn); a match glued to more digits ("ES89 1320 3760 9661
        2028 1667": part of an IBAN; "4111 1111 1111 1111 22": part of a longer run) is dropped."""

        def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
            return [r for r in super().analyze(text, entities, nlp_artifacts, regex_flags)
                    if not GLUED_BEFORE.search(text[max(0, r.start - 2):r.start])
                    and not GLUED_AFTER.match(text[r.end:])]

    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        TranscriptPhoneRecognizer(supported_regions=REGIONS, leniency=2),
        OfflineEmailRecognizer(context=["email", "e-mail", "mail", "address"]),
        TranscriptCardRecognizer(patterns=CARD_PATTERNS),
        UsSsnRecognizer(context=["social", "security", "ssn", "ssns", "ss#"]),
        IbanRecognizer(),
        dob,
    ):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(
        registry=registry, nlp_engine=TokenizerNlpEngine(), supported_languages=["en"],
        context_aware_enhancer=LemmaContextAwareEnhancer(context_prefix_count=6, context_suffix_count=0,
                                                           context_matching_mode="whole_word"),
    )


# On equal scores, the type with the stricter evidence wins (a checksum beats a phone-number shape).
PRIORITY = {"IBAN_CODE": 0, "CREDIT_CARD": 1, "US_SSN": 2, "EMAIL_ADDRESS": 3, "DATE_OF_BIRTH": 4, "PHONE_NUMBER": 5}


def _resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    """Keep the best of overlapping findings (higher score, then stricter type, then longer), in text order."""
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (-f.score, PRIORITY[f.entity_type], -(f.end - f.start), f.start)):
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


def detect(text: str) -> list[Finding]:
    """The PII findings in `text`, non-overlapping, in order (offsets index `text`)."""
    if not text or not text.strip():
        return []
    results = analyzer().analyze(text=text, language="en", entities=list(ENTITIES))
    findings = [Finding(r.entity_type, r.start, r.end, round(r.score, 2))
                for r in results if r.score >= THRESHOLDS.get(r.entity_type, 1.01)]
    return _resolve_overlaps(findings)
