"""The platform's after-the-call view of a conversation, as Genesys serves it.

``GET /api/v2/conversations/{id}`` (participants and their per-media states), and the
recorded transcript: ``.../communications/{communicationId}/transcripturl`` answers a
``TranscriptUrl {url}`` to a pre-signed document shaped like Genesys's transcript schema
(``conversationId, communicationId, mediaType, transcripts[{phrases[...]}]``). As on the
platform, the recording is ready only some time after the call ends (``ready_after_s``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from assist_tui.emulator import wire
from assist_tui.emulator.calls import LiveCall
from assist_tui.emulator.tokens import OAuthClient

if TYPE_CHECKING:
    from assist_tui.emulator.core import Emulator

Handler = Callable[[Request, OAuthClient], Awaitable[Response]]
Authed = Callable[[str | None], Callable[[Handler], Callable[[Request], Awaitable[Response]]]]
PURPOSE_OF_SPEAKER = {"agent": "internal", "customer": "external"}
TRANSCRIPT_URL = (
    "/api/v2/speechandtextanalytics/conversations/{conversation_id}"
    "/communications/{communication_id}/transcripturl"
)
DOCUMENT_PATH = "/emulator/recordings/{conversation_id}/{communication_id}"


@dataclass
class RecordingDesk:
    """When recorded transcripts become ready, and the key their URLs are signed with."""

    ready_after_s: float = 0.0
    key: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    served: int = 0  # documents handed out

    def signature(self, conversation_id: str, communication_id: str) -> str:
        text = f"{conversation_id}/{communication_id}".encode()
        return hmac.new(self.key, text, hashlib.sha256).hexdigest()

    def ready(self, call: LiveCall, now: datetime) -> bool:
        return (
            call.ended_at is not None
            and (now - call.ended_at).total_seconds() >= self.ready_after_s
        )


def recorded_document(call: LiveCall, communication_id: str) -> dict[str, Any]:
    """The call's recorded transcript (every final spoken, both parties), Genesys's schema."""

    def ms(value: int) -> int:
        return round(value / call.speed)  # the same timings the live stream carried

    start = call.session_start_ms
    phrases = []
    # What was said before the call ended (a call ended early has unspoken turns).
    spoken = call.events[: call.emitted]
    finals = sorted((e for e in spoken if e.is_final), key=lambda e: e.offset_ms)
    for index, event in enumerate(finals):
        phrases.append(
            {
                "phraseIndex": index,
                "participantPurpose": PURPOSE_OF_SPEAKER.get(event.speaker, "unknown"),
                "text": event.text,
                "decoratedText": event.text,
                "stability": 1.0,
                "confidence": event.confidence,
                "offset": {"milliseconds": ms(event.offset_ms)},
                "startTimeMs": start + ms(event.offset_ms),
                "duration": {"milliseconds": ms(event.duration_ms)},
                "words": [
                    {
                        "word": w.text,
                        "confidence": w.confidence,
                        "offset": {"milliseconds": ms(w.offset_ms)},
                        "startTimeMs": start + ms(w.offset_ms),
                        "duration": {"milliseconds": ms(w.duration_ms)},
                    }
                    for w in event.words
                ],
                "type": "transcript",
            }
        )
    return {
        "organizationId": wire.ORG_ID,
        "conversationId": call.conversation_id,
        "communicationId": communication_id,
        "mediaType": "call",
        "conversationStartTime": start,
        "startTime": start,
        "duration": {"milliseconds": ms(call.duration_ms)},
        "transcripts": [
            {
                "transcriptId": f"{communication_id}-0",
                "language": call.spoken_language,
                "engineId": "genesys-emulator-asr",
                "startTime": start,
                "duration": {"milliseconds": ms(call.duration_ms)},
                "phrases": phrases,
            }
        ],
        "participants": [
            {"participantPurpose": "external", "startTimeMs": start},
            {"participantPurpose": "internal", "userId": call.agent_user_id, "startTimeMs": start},
        ],
    }


def _not_found(message: str) -> JSONResponse:
    return JSONResponse(wire.error_body(404, "not.found", message), status_code=404)


def transcript_routes(emu: Emulator, authed: Authed) -> list[BaseRoute]:
    """The transcript URL (authenticated) and the pre-signed document it points to."""
    desk = emu.recordings

    def find(request: Request) -> tuple[LiveCall | None, str]:
        call = emu.director.calls.get(request.path_params["conversation_id"])
        comm = request.path_params["communication_id"]
        if call is None or comm not in call.communication_ids.values():
            return None, comm
        return call, comm

    @authed(None)
    async def transcript_url(request: Request, client: OAuthClient) -> Response:
        emu.count("transcripturl")
        call, comm = find(request)
        if call is None:
            return _not_found("The conversation or communication does not exist.")
        if not desk.ready(call, datetime.now(timezone.utc)):
            return _not_found("The transcript is not available yet.")
        path = DOCUMENT_PATH.format(conversation_id=call.conversation_id, communication_id=comm)
        signature = desk.signature(call.conversation_id, comm)
        return JSONResponse({"url": f"{emu.base_url}{path}?X-Amz-Signature={signature}"})

    async def document(request: Request) -> Response:
        call, comm = find(request)
        if call is None or not desk.ready(call, datetime.now(timezone.utc)):
            return Response(status_code=404)
        given = request.query_params.get("X-Amz-Signature", "")
        if not hmac.compare_digest(given, desk.signature(call.conversation_id, comm)):
            return Response("SignatureDoesNotMatch", status_code=403)
        desk.served += 1
        return JSONResponse(recorded_document(call, comm))

    return [
        Route(TRANSCRIPT_URL, transcript_url, methods=["GET"]),
        Route(DOCUMENT_PATH, document, methods=["GET"]),
    ]
