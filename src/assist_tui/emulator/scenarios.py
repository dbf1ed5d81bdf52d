"""Scripted conversations the emulator plays: realistic calls with known content.

Each turn is one utterance. ``overlap_ms`` starts a turn before the previous one ends
(overtalk); ``confidence`` models how well the recognizer hears that speaker.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Turn:
    speaker: str  # "agent" or "customer"
    text: str
    overlap_ms: int = 0  # >0: starts this long before the previous turn ends
    pause_ms: int = 700  # silence before the turn when it does not overlap
    confidence: float = 0.92


@dataclass(frozen=True)
class AudioProfile:
    """Line quality over the call: values at the start and at the end, interpolated."""

    snr_db: tuple[float, float] = (28.0, 27.0)
    jitter_ms: tuple[float, float] = (8.0, 10.0)
    packet_loss_pct: tuple[float, float] = (0.1, 0.2)
    mos: tuple[float, float] = (4.3, 4.2)
    codec: str = "audio/l16;rate=16000"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    queue: str
    agent: str
    customer: str
    turns: tuple[Turn, ...]
    dialect: str = "en-US"
    spoken_language: str = "en-US"
    audio: AudioProfile = field(default_factory=AudioProfile)
    media_type: str = "voice"  # voice, chat or message (digital_scenarios.py)
    transfer_to: str | None = None  # an agent who takes the call over three quarters in


def _t(speaker: str, text: str, **kw: float) -> Turn:
    return Turn(speaker, text, **kw)  # type: ignore[arg-type]


BILLING_DISPUTE = Scenario(
    name="billing-dispute",
    title="Billing dispute: charged twice",
    queue="Billing",
    agent="Dana Whitfield",
    customer="Marcus Lee",
    turns=(
        _t(
            "agent",
            "Thank you for calling First Harbor Bank, this is Dana, how can I help you today?",
        ),
        _t(
            "customer",
            "Hi Dana. I got billed twice for something I only purchased one of. Obvious error.",
        ),
        _t(
            "agent",
            "I'm sorry about that. Can you tell me the merchant and the amount of the charge?",
        ),
        _t(
            "customer",
            "It was the hardware store on Pine Street, forty two dollars and ten cents, on March third.",
        ),
        _t(
            "agent",
            "Thank you. I can see two charges of forty two dollars ten from that merchant on the same day.",
        ),
        _t("customer", "Right, and I only bought one thing. I want to dispute the second charge."),
        _t(
            "agent",
            "I can open a dispute for the duplicate charge now, and I'll issue a provisional credit.",
        ),
        _t(
            "customer",
            "How long does the dispute take? I don't want to be charged a late fee because of this.",
        ),
        _t(
            "agent",
            "Disputes usually resolve within ten business days and no late fee applies while it is open.",
        ),
        _t("customer", "Okay, that works. Please send me a confirmation."),
        _t(
            "agent",
            "Done. Your dispute reference is D as in delta, seven seven four one. Anything else today?",
        ),
        _t("customer", "No, that's all. Thanks for your help."),
    ),
)

CANCELLATION = Scenario(
    name="cancellation-retention",
    title="Cancellation with a retention offer",
    queue="Retention",
    agent="Priya Natarajan",
    customer="Gloria Banks",
    turns=(
        _t(
            "agent",
            "Thanks for calling Keystone Insurance, my name is Priya. What can I do for you?",
        ),
        _t("customer", "I want to cancel my auto policy. The renewal price went up way too much."),
        _t("agent", "I understand. May I ask which company you are thinking of switching to?"),
        _t("customer", "I got a quote from another insurer that is about thirty percent cheaper."),
        _t(
            "agent",
            "I'd hate to lose you. You qualify for our loyalty discount and a safe driver credit.",
        ),
        _t(
            "customer",
            "How much would that actually take off? I've been a customer for many years.",
        ),
        _t(
            "agent",
            "Together they lower your renewal by twenty two percent, and I can lock that in today.",
        ),
        _t("customer", "That's closer. I'm still thinking about switching to be honest."),
        _t(
            "agent",
            "I can also raise your deductible to five hundred, which brings it below the other quote.",
        ),
        _t(
            "customer",
            "Okay, if it's below the other quote, I'll stay. Let's do that instead of cancelling.",
        ),
        _t(
            "agent",
            "Great, I've applied the discount and the new deductible. You'll get an email shortly.",
        ),
    ),
)

CARD_PAYMENT = Scenario(
    name="card-payment",
    title="Card payment read aloud",
    queue="Payments",
    agent="Tomás Rivera",
    customer="Helen Okafor",
    turns=(
        _t(
            "agent",
            "Keystone Insurance payments, this is Tomás. Are you calling to make a payment?",
        ),
        _t("customer", "Yes, I want to pay my premium that's overdue, I got a reminder letter."),
        _t(
            "agent",
            "Sure. The balance is one hundred eighty six dollars. Which card would you like to use?",
        ),
        _t(
            "customer",
            "A Visa card. The number is four one one one, one one one one, one one one one, one one one one.",
        ),
        _t("agent", "Thank you. And the expiration date and the security code on the back?"),
        _t("customer", "Expires oh nine twenty eight, and the code is seven three seven."),
        _t(
            "agent",
            "The payment of one hundred eighty six dollars went through. Where should I send the receipt?",
        ),
        _t("customer", "Email it to helen dot okafor at example dot com please."),
        _t(
            "agent",
            "You'll have it in a few minutes. Your confirmation number is four four eight two one.",
        ),
        _t("customer", "Perfect, thank you so much."),
    ),
)

TECH_SUPPORT = Scenario(
    name="tech-support-bad-line",
    title="Technical support on a bad line",
    queue="Tech Support",
    agent="Owen Fitzgerald",
    customer="Raj Malhotra",
    audio=AudioProfile(
        snr_db=(22.0, 9.0),
        jitter_ms=(15.0, 85.0),
        packet_loss_pct=(0.5, 4.5),
        mos=(4.0, 2.4),
        codec="audio/ulaw",
    ),
    turns=(
        _t("agent", "Tech support, Owen speaking. What seems to be the problem?"),
        _t(
            "customer", "My online banking app keeps logging me out, and I can't reset my password."
        ),
        _t(
            "agent",
            "Sorry about that. What device and which version of the app are you using?",
            confidence=0.85,
        ),
        _t(
            "customer",
            "An Android phone, the app says version four point two I think.",
            confidence=0.78,
        ),
        _t(
            "agent",
            "You're breaking up a little. Can you try clearing the app cache for me?",
            confidence=0.74,
        ),
        _t(
            "customer",
            "Sorry, you cut out. Clear the what? The connection is really bad here.",
            confidence=0.61,
        ),
        _t(
            "agent",
            "The cache. Settings, apps, banking, storage, then clear cache.",
            confidence=0.58,
        ),
        _t(
            "customer",
            "Okay I did that, it still says the password reset link expired.",
            confidence=0.52,
        ),
        _t(
            "agent",
            "I'll send a new reset link by text message. It is valid for thirty minutes.",
            confidence=0.49,
        ),
        _t(
            "customer",
            "Got it. I'm going to call back from a landline if this doesn't work.",
            confidence=0.44,
        ),
    ),
)

SPANISH_CALLER = Scenario(
    name="spanish-caller",
    title="Spanish-speaking caller in an English queue",
    queue="General",
    agent="Hannah Cole",
    customer="Lucía Fernández",
    spoken_language="es-US",
    turns=(
        _t("agent", "Thank you for calling First Harbor Bank, this is Hannah. How can I help?"),
        _t(
            "customer",
            "Hola, buenas tardes. ¿Habla español? Tengo un problema con mi tarjeta.",
            confidence=0.41,
        ),
        _t(
            "agent",
            "I'm sorry, I only speak English. One moment, I can transfer you to a Spanish speaking agent.",
        ),
        _t(
            "customer",
            "Sí, por favor. Mi tarjeta fue bloqueada y necesito ayuda hoy.",
            confidence=0.38,
        ),
        _t("agent", "Please hold while I transfer you. Un momento por favor."),
        _t("customer", "Gracias, espero.", confidence=0.45),
    ),
)

ANGRY_OVERTALK = Scenario(
    name="angry-overtalk",
    title="Angry customer talking over the agent",
    queue="Billing",
    agent="Kevin Brooks",
    customer="Douglas Hart",
    transfer_to="Rita Gomez",
    turns=(
        _t("agent", "First Harbor Bank, this is Kevin, how can I help you today?"),
        _t(
            "customer",
            "This is the third time I'm calling about the same overdraft fee. Nobody fixes anything.",
        ),
        _t(
            "agent",
            "I'm sorry to hear that. Let me pull up your account and see what happened with the",
        ),
        _t(
            "customer",
            "No, don't put me on hold again. I want the fee refunded right now.",
            overlap_ms=1800,
        ),
        _t(
            "agent",
            "I understand, I'm not putting you on hold. I can see the thirty five dollar fee from",
        ),
        _t(
            "customer",
            "This is ridiculous. I want to speak to a supervisor and I'm closing my account.",
            overlap_ms=2200,
        ),
        _t(
            "agent",
            "I can refund the fee right now, and I'll note the account so this doesn't happen again.",
        ),
        _t(
            "customer",
            "Fine. But if it happens one more time I'm taking my money to another bank.",
            overlap_ms=900,
        ),
        _t(
            "agent",
            "Understood. The refund of thirty five dollars is done, you'll see it within a day.",
        ),
    ),
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        BILLING_DISPUTE,
        CANCELLATION,
        CARD_PAYMENT,
        TECH_SUPPORT,
        SPANISH_CALLER,
        ANGRY_OVERTALK,
    )
}

QUEUE_IDS: dict[str, str] = {
    "Billing": "5a1f0c2e-6b3d-4c1a-9e2f-0b7d8c9a1e01",
    "Retention": "5a1f0c2e-6b3d-4c1a-9e2f-0b7d8c9a1e02",
    "Payments": "5a1f0c2e-6b3d-4c1a-9e2f-0b7d8c9a1e03",
    "Tech Support": "5a1f0c2e-6b3d-4c1a-9e2f-0b7d8c9a1e04",
    "General": "5a1f0c2e-6b3d-4c1a-9e2f-0b7d8c9a1e05",
    "Synthetic": "5a1f0c2e-6b3d-4c1a-9e2f-0b7d8c9a1e06",
}
