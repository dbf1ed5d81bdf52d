"""The recorded transcript and the conversation lookup: the emulator serves the
platform's shapes, and the client reads them (and refuses odd ones without a crash)."""

from __future__ import annotations

import httpx

from assist_tui.emulator.server import EmulatorServer
from assist_tui.genesys.conversations import lookup_conversation, parse_conversation
from assist_tui.genesys.errors import NotFoundError
from assist_tui.genesys.recorded_transcript import fetch_recorded, parse_document, phrase_update
from assist_tui.genesys.session import GenesysSession
from assist_tui.model import Speaker

PHRASE_KEYS = {
    "participantPurpose",
    "text",
    "stability",
    "confidence",
    "offset",
    "startTimeMs",
    "duration",
    "words",
}


async def test_emulator_serves_lookup_and_recording_in_the_platform_shapes(
    emulator: EmulatorServer, session: GenesysSession
) -> None:
    emu = emulator.emulator
    call = emu.director.prepare("billing-dispute")
    live = await lookup_conversation(session.api, call.conversation_id)
    assert not live.ended
    assert set(live.communication_ids) == set(call.communication_ids.values())
    comm = call.communication_ids["customer"]
    try:
        await fetch_recorded(session.api, call.conversation_id, comm)
        raise AssertionError("a live call has no recording")
    except NotFoundError:
        pass
    for _ in range(len(call.events) // 2):  # half the call is spoken, then it ends
        emu.director.emit_next(call)
    emu.director.end(call)
    ended = await lookup_conversation(session.api, call.conversation_id)
    assert ended.ended
    body = (
        await session.http.get(
            f"{emulator.url}/api/v2/conversations/{call.conversation_id}",
            headers={"Authorization": f"Bearer {await session.tokens.token()}"},
        )
    ).json()
    # The speakers' media are terminated; IVR and ACD legs ended when the call was routed.
    talk = {
        m["state"]
        for p in body["participants"]
        if p["purpose"] in ("customer", "agent")
        for m in p["calls"]
    }
    routing = {
        m["state"]
        for p in body["participants"]
        if p["purpose"] in ("ivr", "acd")
        for m in p["calls"]
    }
    assert talk == {"terminated"} and routing <= {"disconnected", "terminated"}
    assert "endTime" in body

    recorded = await fetch_recorded(session.api, call.conversation_id, comm)
    spoken = [e for e in call.events[: call.emitted] if e.is_final]
    assert spoken and len(recorded.phrases) == len(spoken)  # what was said, no more
    assert recorded.start_ms == call.session_start_ms
    assert {p.speaker for p in recorded.phrases} == {Speaker.AGENT, Speaker.CUSTOMER}
    # The URL is pre-signed: without its signature the document is refused.
    url = (
        await session.api.json(
            "GET",
            f"/api/v2/speechandtextanalytics/conversations/{call.conversation_id}"
            f"/communications/{comm}/transcripturl",
        )
    )["url"]
    assert set(await session.api.presigned_json(url, what="doc")) >= {
        "conversationId",
        "communicationId",
        "mediaType",
        "transcripts",
    }
    doc = await session.api.presigned_json(url, what="doc")
    assert set(doc["transcripts"][0]["phrases"][0]) >= PHRASE_KEYS
    async with httpx.AsyncClient() as plain:
        assert (await plain.get(url.split("?")[0])).status_code == 403


def test_odd_documents_are_skipped_not_fatal() -> None:
    assert parse_document({"transcripts": "x"}) == []
    body = {
        "transcripts": [
            {
                "phrases": [
                    {
                        "text": "hello there",
                        "startTimeMs": 1_000,
                        "participantPurpose": "external",
                        "duration": {"milliseconds": 500},
                        "confidence": 7,
                        "words": [{"word": "hello", "startTimeMs": 1_000}, "junk"],
                    },
                    {"text": "", "startTimeMs": 5},
                    {"text": "no time"},
                    {"text": "huge", "startTimeMs": 10**30},
                    {"text": "bool", "startTimeMs": True},
                    "not a phrase",
                ]
            },
            None,
        ]
    }
    phrases = parse_document(body)
    assert [p.text for p in phrases] == ["hello there"]
    assert phrases[0].confidence == 1.0 and phrases[0].speaker is Speaker.CUSTOMER
    one = phrase_update("c", "m", phrases[0], 400)
    two = phrase_update("c", "m", phrases[0], 400)
    assert one.utterance_id == two.utterance_id  # the same phrase is the same utterance
    assert one.offset_ms == 600 and one.is_final and one.session_start is None


def test_conversation_lookup_reads_media_states() -> None:
    body = {
        "participants": [
            {"purpose": "customer", "calls": [{"id": "m1", "state": "disconnected"}]},
            {"purpose": "agent", "calls": [{"id": "m2", "state": "connected"}]},
        ]
    }
    status = parse_conversation("c", body)
    assert not status.ended and status.communication_ids == ("m1", "m2")
    body["participants"][1]["calls"][0]["state"] = "terminated"  # type: ignore[index]
    assert parse_conversation("c", body).ended
