"""What the demo tenants do: their agents, their callers' conversations, their tools.

Three industries cover the platform's typical customers. A tenant names its
scenario; agents, transcripts and tools are then written from it, so a
dental practice's calls talk about appointments and an insurer's about claims.
"""

from dataclasses import dataclass

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class AgentTemplate:
    name: str
    description: str
    prompt: str  # "{business}" is replaced by the tenant's name
    voice_model: str
    latency: str  # agents.choices.LatencyOptimizationLevel
    integration: str  # agents.choices.PhoneIntegrationType


@dataclass(frozen=True)
class Intent:
    """One reason to call, as a dialogue whose {slots} are filled per call."""

    name: str
    topics: tuple[str, ...]
    summary: str
    turns: tuple[tuple[str, str], ...]  # (speaker, text)
    pii: tuple[str, ...] = ()  # kinds of personal data the caller gives


@dataclass(frozen=True)
class ToolTemplate:
    name: str
    description: str
    category: str  # automation.choices.ToolCategory
    tool_type: str  # automation.choices.ToolType
    config: dict
    input_schema: dict
    output_schema: dict


@dataclass(frozen=True)
class Scenario:
    key: str
    agents: tuple[AgentTemplate, ...]
    intents: tuple[Intent, ...]
    slots: dict[str, tuple[str, ...]]
    tools: tuple[ToolTemplate, ...]  # (a lookup tool, a messaging tool)


def object_schema(properties: dict, required: tuple[str, ...] = ()) -> dict:
    """A closed JSON Schema object (draft 2020-12)."""
    return {
        "$schema": JSON_SCHEMA,
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


E164 = {"type": "string", "pattern": r"^\+[1-9][0-9]{1,14}$"}
SEND_RESULT = object_schema(
    {"message_id": {"type": "string"}, "status": {"enum": ["queued", "sent", "failed"]}}, ("message_id", "status")
)

HEALTHCARE = Scenario(
    key="healthcare",
    agents=(
        AgentTemplate(
            "Front desk", "Books, moves and cancels appointments around the clock.",
            "You are the front desk of {business}. Greet callers warmly, identify the patient by name and date of "
            "birth, and book, reschedule or cancel appointments with the scheduling tool. Never give medical advice; "
            "transfer urgent symptoms to the nurse line.",
            "aura-asteria-en", "low", "managed",
        ),
        AgentTemplate(
            "Prescription line", "Takes refill requests and answers pharmacy hours questions.",
            "You take prescription refill requests for {business}. Confirm the patient's identity, the medication "
            "and the pharmacy, then create the refill request. Do not discuss dosages.",
            "aura-luna-en", "balanced", "twilio",
        ),
    ),
    intents=(
        Intent(
            "book_appointment", ("appointment", "scheduling"), "{caller} booked an appointment with {doctor} on {day}.",
            (
                ("agent", "Thank you for calling {business}, this is the front desk. How can I help you today?"),
                ("caller", "Hi, this is {caller}. I'd like to see {doctor} sometime next week if possible."),
                ("agent", "Of course. Could you confirm your date of birth for me?"),
                ("caller", "Sure, it's {dob}."),
                ("agent", "Thanks {caller}. {doctor} has an opening on {day} at {time}. Would that work?"),
                ("caller", "{day} at {time} is perfect."),
                ("agent", "You're booked. You'll get a text reminder the day before. Anything else?"),
                ("caller", "No, that's all. Thank you!"),
            ),
            pii=("date_of_birth",),
        ),
        Intent(
            "reschedule", ("appointment", "rescheduling"), "{caller} moved an appointment to {day} at {time}.",
            (
                ("agent", "Good morning, {business}. How may I help?"),
                ("caller", "I need to move my appointment, something came up at work."),
                ("agent", "No problem. What's your name and date of birth?"),
                ("caller", "{caller}, born {dob}."),
                ("agent", "I see your visit with {doctor}. The next free slot is {day} at {time}."),
                ("caller", "Great, please move it there."),
                ("agent", "Done. Your appointment is now {day} at {time}."),
            ),
            pii=("date_of_birth",),
        ),
        Intent(
            "refill", ("prescription", "refill"), "{caller} requested a refill of {medication}.",
            (
                ("agent", "{business} prescription line. Are you calling about a refill?"),
                ("caller", "Yes, I'm almost out of {medication}."),
                ("agent", "I can help with that. Which pharmacy should we send it to?"),
                ("caller", "The one on {street}."),
                ("agent", "I've sent the request. It's usually ready within two business days."),
            ),
        ),
        Intent(
            "hours", ("opening hours",), "{caller} asked about opening hours.",
            (
                ("agent", "Hello, you've reached {business}. How can I help?"),
                ("caller", "Are you open on Saturday?"),
                ("agent", "Yes, Saturdays from nine to one. Would you like to book a visit?"),
                ("caller", "Not right now, thanks."),
            ),
        ),
    ),
    slots={
        "doctor": ("Dr. Alvarez", "Dr. Chen", "Dr. Okonkwo", "Dr. Lindqvist", "Dr. Shah"),
        "medication": ("lisinopril", "metformin", "atorvastatin", "levothyroxine", "amoxicillin"),
    },
    tools=(
        ToolTemplate(
            "Appointment search", "Finds free appointment slots in the practice's EHR.", "crm", "http_api",
            {"method": "POST", "url": "https://ehr.example.net/api/v2/slots/search", "timeout_ms": 4000},
            object_schema(
                {
                    "provider": {"type": "string"},
                    "earliest": {"type": "string", "format": "date-time"},
                    "visit_type": {"enum": ["new_patient", "follow_up", "annual"]},
                },
                ("earliest",),
            ),
            object_schema(
                {
                    "slots": {
                        "type": "array",
                        "items": object_schema(
                            {"start": {"type": "string", "format": "date-time"}, "provider": {"type": "string"}},
                            ("start", "provider"),
                        ),
                    }
                },
                ("slots",),
            ),
        ),
        ToolTemplate(
            "Send SMS reminder", "Texts the caller a confirmation or a reminder.", "communication", "webhook",
            {"method": "POST", "url": "https://hooks.example.net/sms", "timeout_ms": 3000},
            object_schema({"to": E164, "body": {"type": "string", "maxLength": 480}}, ("to", "body")),
            SEND_RESULT,
        ),
    ),
)

INSURANCE = Scenario(
    key="insurance",
    agents=(
        AgentTemplate(
            "Claims intake", "Takes first notice of loss for auto and home claims.",
            "You take first notice of loss for {business}. Verify the policy number, collect what happened, when "
            "and where, and open a claim with the claims tool. Be calm and empathetic; never promise coverage.",
            "aura-orion-en", "balanced", "sip_trunk",
        ),
        AgentTemplate(
            "Policy questions", "Answers coverage and billing questions.",
            "You answer policy questions for {business}. Look the policy up before answering and transfer "
            "billing disputes to a human agent.",
            "aura-asteria-en", "quality", "managed",
        ),
    ),
    intents=(
        Intent(
            "new_claim", ("claim", "auto"), "{caller} reported a {incident} and claim {claim} was opened.",
            (
                ("agent", "{business} claims, I'm here to help. Are you and everyone involved safe?"),
                ("caller", "Yes, everyone's fine. I had a {incident} this morning."),
                ("agent", "I'm sorry to hear that. Can I have your policy number?"),
                ("caller", "It's {policy}."),
                ("agent", "Thank you {caller}. Where did it happen?"),
                ("caller", "On {street}, around eight thirty."),
                ("agent", "I've opened claim {claim}. An adjuster will call you within one business day."),
                ("caller", "Thanks, that's really helpful."),
            ),
            pii=("policy_number",),
        ),
        Intent(
            "claim_status", ("claim", "status"), "{caller} asked for the status of claim {claim}.",
            (
                ("agent", "Thanks for calling {business}. How can I help?"),
                ("caller", "I'm checking on claim {claim}."),
                ("agent", "One moment. Your claim is with the adjuster and the inspection is booked for {day}."),
                ("caller", "Okay, good to know."),
            ),
        ),
        Intent(
            "coverage", ("coverage", "policy"), "{caller} asked whether a {incident} is covered.",
            (
                ("agent", "{business}, policy services. What can I do for you?"),
                ("caller", "Would my policy cover a {incident}?"),
                ("agent", "Let me check policy {policy}. You have comprehensive cover with a five hundred deductible."),
                ("caller", "Great, thank you."),
                ("agent", "You're welcome. Anything else today?"),
            ),
            pii=("policy_number",),
        ),
    ),
    slots={
        "incident": ("minor collision", "cracked windshield", "burst pipe", "hail damage", "parking lot scrape"),
        "policy": ("AU-48213377", "HO-10938472", "AU-55102938", "HO-77421904"),
        "claim": ("CLM-204117", "CLM-204398", "CLM-205022", "CLM-205876"),
    },
    tools=(
        ToolTemplate(
            "Policy lookup", "Reads a policy and its coverages from the policy database.", "database", "database",
            {"dsn_name": "policies_ro", "query": "policy_by_number", "timeout_ms": 2000},
            object_schema({"policy_number": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]{8}$"}}, ("policy_number",)),
            object_schema(
                {
                    "status": {"enum": ["active", "lapsed", "cancelled"]},
                    "coverages": {"type": "array", "items": {"type": "string"}},
                    "deductible": {"type": "number", "minimum": 0},
                },
                ("status",),
            ),
        ),
        ToolTemplate(
            "Open claim", "Creates a first-notice-of-loss claim in the claims system.", "crm", "http_api",
            {"method": "POST", "url": "https://claims.example.net/api/fnol", "timeout_ms": 5000},
            object_schema(
                {
                    "policy_number": {"type": "string"},
                    "incident": {"type": "string", "maxLength": 500},
                    "occurred_at": {"type": "string", "format": "date-time"},
                    "callback_number": E164,
                },
                ("policy_number", "incident"),
            ),
            object_schema({"claim_id": {"type": "string"}, "adjuster_eta_hours": {"type": "integer"}}, ("claim_id",)),
        ),
    ),
)

HOSPITALITY = Scenario(
    key="hospitality",
    agents=(
        AgentTemplate(
            "Reservations", "Books rooms and tables and answers questions about stays.",
            "You handle reservations for {business}. Check availability before offering anything, repeat the "
            "dates back to the guest, and send a confirmation by email.",
            "aura-athena-en", "ultra_low", "managed",
        ),
        AgentTemplate(
            "Concierge", "Answers guests' questions during their stay.",
            "You are the concierge of {business}. Help guests with late check-out, restaurant bookings and "
            "local tips. Transfer complaints to the duty manager.",
            "aura-helios-en", "balanced", "twilio",
        ),
    ),
    intents=(
        Intent(
            "book_room", ("reservation", "rooms"), "{caller} booked {nights} nights from {day}.",
            (
                ("agent", "Good afternoon, {business} reservations. How can I help?"),
                ("caller", "Hello, I'd like a double room from {day} for {nights} nights."),
                ("agent", "Let me check. Yes, we have a superior double at one hundred and forty pounds a night."),
                ("caller", "Lovely, I'll take it. The name is {caller}."),
                ("agent", "Booked. I've emailed your confirmation. We look forward to welcoming you."),
            ),
        ),
        Intent(
            "table", ("restaurant", "reservation"), "{caller} booked a table for {party} at {time}.",
            (
                ("agent", "{business}, good evening. How may I help?"),
                ("caller", "Could I book a table for {party} tonight at {time}?"),
                ("agent", "Certainly, a table for {party} at {time}. Any dietary requirements?"),
                ("caller", "One vegetarian, thanks."),
                ("agent", "Noted. See you tonight!"),
            ),
        ),
        Intent(
            "late_checkout", ("stay", "check-out"), "{caller} asked for a late check-out.",
            (
                ("agent", "Concierge, {business}. What can I do for you?"),
                ("caller", "Is a late check-out possible tomorrow?"),
                ("agent", "I can offer one o'clock at no charge."),
                ("caller", "Perfect, thank you."),
            ),
        ),
    ),
    slots={"nights": ("two", "three", "four", "five"), "party": ("two", "four", "six")},
    tools=(
        ToolTemplate(
            "Room availability", "Queries the booking engine for free rooms.", "integration", "http_api",
            {"method": "GET", "url": "https://booking.example.net/v1/availability", "timeout_ms": 3000},
            object_schema(
                {
                    "check_in": {"type": "string", "format": "date"},
                    "nights": {"type": "integer", "minimum": 1, "maximum": 30},
                    "guests": {"type": "integer", "minimum": 1, "maximum": 8},
                },
                ("check_in", "nights"),
            ),
            object_schema(
                {
                    "rooms": {
                        "type": "array",
                        "items": object_schema(
                            {"type": {"type": "string"}, "rate": {"type": "number"}, "currency": {"type": "string"}},
                            ("type", "rate"),
                        ),
                    }
                },
                ("rooms",),
            ),
        ),
        ToolTemplate(
            "Send confirmation email", "Emails the guest a booking confirmation.", "communication", "webhook",
            {"method": "POST", "url": "https://hooks.example.net/email", "timeout_ms": 3000},
            object_schema(
                {
                    "to": {"type": "string", "format": "email"},
                    "template": {"enum": ["room_confirmation", "table_confirmation"]},
                    "variables": {"type": "object"},
                },
                ("to", "template"),
            ),
            SEND_RESULT,
        ),
    ),
)

SCENARIOS = {scenario.key: scenario for scenario in (HEALTHCARE, INSURANCE, HOSPITALITY)}

# Slots every scenario shares.
COMMON_SLOTS = {
    "day": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"),
    "time": ("9:15", "10:30", "11:45", "2:00", "3:30", "4:45", "7:30"),
    "dob": ("March 3rd, 1984", "July 19th, 1991", "November 2nd, 1958", "January 27th, 1973"),
}
