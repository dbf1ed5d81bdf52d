"""Calls for the call board (issue 14): each one shows what a supervisor must catch: a call
going sour, a long silence, talking over each other, a missing recording disclosure, a
missed retention offer. Played in the demo rotation and by name (``prepare``)."""

from __future__ import annotations

from assist_tui.emulator.scenarios import AudioProfile, Scenario, Turn


def _t(speaker: str, text: str, **kw: int) -> Turn:
    return Turn(speaker, text, **kw)


GOING_SOUR = Scenario(
    name="going-sour",
    title="A billing question that turns sour",
    queue="Billing",
    agent="Priya Raman",
    customer="Gordon Blake",
    turns=(
        _t(
            "agent",
            "Thanks for calling Northwind Energy, this call is recorded for quality. "
            "This is Priya, how can I help?",
        ),
        _t("customer", "Hi Priya, thanks, I just had a quick question about my latest bill."),
        _t("agent", "Of course, happy to help. Can I take the account number please?"),
        _t("customer", "Sure, it's on the letter here, the bill is a lot higher than usual."),
        _t("agent", "I see it. The estimate was based on last winter's reading."),
        _t("customer", "That doesn't make sense, I sent you a meter reading two weeks ago."),
        _t("agent", "I'm afraid I can't see a reading on the account from this month."),
        _t(
            "customer",
            "That's ridiculous. I sent it twice and you still got it wrong. I'm really "
            "angry and upset about this.",
        ),
        _t("agent", "I understand it's frustrating. The system only has the estimate."),
        _t(
            "customer",
            "Your system is terrible. This is the worst service I've had, honestly "
            "awful, and I'm sick of chasing you.",
        ),
        _t("customer", "Every single month there's a problem and nobody ever fixes anything."),
        _t("agent", "Let me raise a correction request with the reading you have now."),
    ),
)

LONG_SILENCE = Scenario(
    name="long-silence",
    title="Account lookup with a long dead-air gap",
    queue="General",
    agent="Sam Okafor",
    customer="Lena Fischer",
    turns=(
        _t("agent", "Good afternoon, Harbor Mobile, this call may be recorded. Sam speaking."),
        _t("customer", "Hi, I want to check why my data allowance ran out early."),
        _t("agent", "Let me look at your usage, one moment please."),
        _t("customer", "Hello? Are you still there?", pause_ms=26000),
        _t(
            "agent",
            "Sorry about that, the system was slow. I can see a large download on the fourteenth.",
        ),
        _t("customer", "Okay. Can you add some data for the rest of the month?"),
        _t("agent", "Yes, I've added a free two gigabyte bundle for you."),
    ),
)

TALKING_OVER = Scenario(
    name="talking-over",
    title="Delivery complaint: both talking at once",
    queue="General",
    agent="Chris Dalton",
    customer="Aisha Karimi",
    audio=AudioProfile(snr_db=(22.0, 18.0), jitter_ms=(12.0, 20.0)),
    turns=(
        _t(
            "agent", "Thanks for calling Parcelway, this call is recorded for training. Chris here."
        ),
        _t("customer", "My parcel was marked delivered yesterday and it never arrived at all."),
        _t(
            "agent",
            "I'm sorry to hear that, let me just check the tracking details for the "
            "parcel, do you have the reference number to hand?",
        ),
        _t(
            "customer",
            "I already gave the number to the last person, why do I have to give "
            "it again every single time?",
            overlap_ms=2400,
        ),
        _t(
            "agent",
            "I understand, I just need it to open the record, it's the one starting "
            "with P W on the email.",
            overlap_ms=2600,
        ),
        _t(
            "customer",
            "P W four four nine one two. The driver left it somewhere, I want a refund today.",
            overlap_ms=2000,
        ),
        _t("agent", "The photo shows a blue door, is that your front door?", overlap_ms=1800),
        _t("customer", "No, my door is white, so it went to the wrong house.", overlap_ms=1500),
        _t("agent", "Then I'll open a lost parcel claim and arrange a replacement."),
    ),
)

NO_DISCLOSURE = Scenario(
    name="no-disclosure",
    title="Address change without the recording disclosure",
    queue="General",
    agent="Tom Reyes",
    customer="Helen Park",
    turns=(
        _t("agent", "Hi there, Tom at Keystone Insurance, what can I do for you?"),
        _t("customer", "Hello, I moved house last month and need to update my address."),
        _t("agent", "No problem. What's the new address?"),
        _t("customer", "Twelve Orchard Lane, Millbrook, the postcode is M B four two."),
        _t("agent", "Thanks, and is the date you moved the first of the month?"),
        _t("customer", "Yes, the first. Will my premium change?"),
        _t("agent", "It stays the same, the area is in the same band."),
        _t("customer", "Great, thanks for your help."),
    ),
)

MISSED_RETENTION = Scenario(
    name="missed-retention",
    title="Cancellation processed without a retention offer",
    queue="Retention",
    agent="Nadia Brooks",
    customer="Victor Hale",
    turns=(
        _t(
            "agent",
            "Thank you for calling Streamline TV, this call is recorded for quality. "
            "Nadia speaking.",
        ),
        _t("customer", "Hi, I want to cancel my subscription please."),
        _t("agent", "Okay, can I ask what the reason is?"),
        _t("customer", "I just don't watch enough to justify the price any more."),
        _t("agent", "Understood. I'll need to confirm your email address."),
        _t("customer", "It's victor dot hale at example dot com."),
        _t("agent", "Thanks. The cancellation takes effect at the end of the billing month."),
        _t("customer", "Fine. Will I get a confirmation?", pause_ms=4000),
        _t("agent", "Yes, you'll receive an email within the hour.", pause_ms=9000),
        _t("customer", "Okay, thanks, bye.", pause_ms=9000),
        _t("agent", "Goodbye.", pause_ms=9000),
    ),
)

BOARD_SCENARIOS: dict[str, Scenario] = {
    s.name: s for s in (GOING_SOUR, LONG_SILENCE, TALKING_OVER, NO_DISCLOSURE, MISSED_RETENTION)
}
