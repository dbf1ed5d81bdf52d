"""Routes of the seed dialects: four WebSockets, stream limits, conversation participants."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from assist_tui.emulator import dialect_wire, wire
from assist_tui.emulator.core import Emulator
from assist_tui.emulator.dialect_sockets import DialectSocket
from assist_tui.emulator.pump import pump
from assist_tui.emulator.tokens import OAuthClient
from assist_tui.emulator.transcripts_api import conversation_json

Handler = Callable[[Request, OAuthClient], Awaitable[Response]]
Authed = Callable[[str | None], Callable[[Handler], Callable[[Request], Awaitable[Response]]]]


def dialect_routes(emu: Emulator, authed: Authed) -> list[BaseRoute]:
    hub = emu.dialects

    @authed(None)
    async def stream_limits(request: Request, client: OAuthClient) -> Response:
        emu.count("streamlimits")
        return JSONResponse(hub.limits())

    @authed(None)
    async def conversation(request: Request, client: OAuthClient) -> Response:
        call = emu.director.calls.get(request.path_params["conversation_id"])
        if call is None:
            return JSONResponse(
                wire.error_body(404, "not.found", "The conversation does not exist."),
                status_code=404,
            )
        return JSONResponse(conversation_json(call))  # participants with per-media states

    async def serve(ws: WebSocket, dialect: str, token: str | None) -> None:
        """Authenticate, then pump frames out and messages in until either side closes."""
        if emu.tokens.check(token) is None:
            await ws.close(code=1008)  # before accept: the handshake is refused (403)
            return
        await ws.accept()
        emu.count(f"{dialect}_connect")
        socket = hub.attach(dialect)
        if dialect == "transcripts":
            _transcripts_filter(socket, ws)
        elif dialect == "conversations-stream":
            socket.every_conversation = True
        try:
            await pump(ws, socket.conn, lambda text: hub.on_message(socket, text))
        finally:
            hub.detach(socket)

    def _transcripts_filter(socket: DialectSocket, ws: WebSocket) -> None:
        wanted = ws.query_params.get("conversationIds", "")
        media = set(ws.query_params.get("mediaTypes", "voice,chat").split(","))
        if "voice" in media:  # the emulator's calls are voice
            socket.conversations = {c: set() for c in wanted.split(",") if c}
        now = datetime.now(timezone.utc)
        for cid in socket.conversations:
            call = emu.director.calls.get(cid)
            if call is not None:
                socket.conn.send(
                    dialect_wire.transcripts_system_line(call, "Transcript stream started", now)
                )

    async def transcription(ws: WebSocket) -> None:
        await serve(ws, "transcription", ws.headers.get("authorization"))

    async def transcripts(ws: WebSocket) -> None:
        token = ws.query_params.get("access_token")
        await serve(ws, "transcripts", f"Bearer {token}" if token else None)

    async def insights(ws: WebSocket) -> None:
        await serve(ws, "insights", ws.headers.get("authorization"))

    async def conversations_stream(ws: WebSocket) -> None:
        if ws.query_params.get("filter") != "type:transcript":
            await ws.close(code=1008)
            return
        await serve(ws, "conversations-stream", ws.headers.get("authorization"))

    return [
        Route("/api/v2/analytics/events/streamlimits", stream_limits, methods=["GET"]),
        Route("/api/v2/conversations/{conversation_id}", conversation, methods=["GET"]),
        WebSocketRoute("/api/v2/interactions/transcription", transcription),
        WebSocketRoute("/api/v2/interactions/conversations/transcripts", transcripts),
        WebSocketRoute("/api/v2/analytics/events", insights),
        WebSocketRoute("/api/v2/conversations/stream", conversations_stream),
    ]
