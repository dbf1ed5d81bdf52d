"""Digital conversations the emulator plays: a web chat and a messaging thread.

Not in the voice rotation: Genesys Cloud does not transcribe them (no transcription
topic, no audio statistics); they reach the seed ``transcripts`` dialect as chat and
message lines, and discovery and the queue topics see them with their media.
"""

from __future__ import annotations

from assist_tui.emulator.scenarios import Scenario, Turn

WEB_CHAT = Scenario(
    name="web-chat-refund",
    title="Web chat: refund for a cancelled order",
    queue="General",
    agent="Priya Natarajan",
    customer="Tom Becker",
    media_type="chat",
    turns=(
        Turn("customer", "Hi, I cancelled order 55120 last week and still have no refund."),
        Turn("agent", "Hello Tom, I'm sorry for the wait. Let me look at order 55120."),
        Turn("customer", "If it does not come back this week I will cancel my account."),
        Turn("agent", "The refund was approved today; it reaches your card in three days."),
        Turn("customer", "Thanks, that's helpful."),
    ),
)

MESSAGING = Scenario(
    name="messaging-password-reset",
    title="Messaging: locked out of online banking",
    queue="Tech Support",
    agent="Leo Martins",
    customer="Ana Souza",
    media_type="message",
    turns=(
        Turn("customer", "I'm locked out of online banking after too many attempts."),
        Turn("agent", "I can help with a password reset. Can you confirm your date of birth?"),
        Turn("customer", "March fourth, nineteen eighty eight."),
        Turn("agent", "Thank you. I have sent a reset link to the phone number on file."),
    ),
)

DIGITAL_SCENARIOS: dict[str, Scenario] = {s.name: s for s in (WEB_CHAT, MESSAGING)}
