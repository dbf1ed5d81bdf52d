"""Platform REST the emulator serves beside the streaming API: available topics, Copilot
suggestions and summaries, participant attributes, the queue listing; JSON errors for
unknown routes and an ``inin-correlation-id`` on every answer, as Genesys Cloud does.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assist_tui.emulator import topics, wire
from assist_tui.emulator.scenarios import QUEUE_IDS

if TYPE_CHECKING:
    from assist_tui.emulator.core import Emulator
    from assist_tui.emulator.tokens import OAuthClient

Handler = Callable[[Request, "OAuthClient"], Awaitable[Response]]
Authed = Callable[[str | None], Callable[[Handler], Callable[[Request], Awaitable[Response]]]]

ATTRIBUTES_PATH = "/api/v2/conversations/{conversation_id}/participants/{participant_id}/attributes"
MAX_ATTRIBUTE_CHARS = 8000  # what one participant may carry in the emulator


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(wire.error_body(status, code, message, **extra), status_code=status)


def platform_routes(emu: Emulator, authed: Authed) -> list[BaseRoute]:
    @authed(None)
    async def available_topics(request: Request, client: OAuthClient) -> Response:
        emu.count("availabletopics")
        return JSONResponse(topics.available_topics())

    @authed(None)
    async def suggestions(request: Request, client: OAuthClient) -> Response:
        call = emu.director.calls.get(request.path_params["conversation_id"])
        if call is None:
            return _error(404, "not.found", "The conversation does not exist.")
        return JSONResponse(emu.copilot.suggestions(call.conversation_id))

    @authed(None)
    async def summaries(request: Request, client: OAuthClient) -> Response:
        call = emu.director.calls.get(request.path_params["conversation_id"])
        if call is None:
            return _error(404, "not.found", "The conversation does not exist.")
        return JSONResponse(emu.copilot.summaries(call))

    @authed(None)
    async def participant_attributes(request: Request, client: OAuthClient) -> Response:
        emu.count("participant_attributes")
        if emu.faults.attributes_status:
            status = emu.faults.attributes_status
            return _error(
                status, "not.found" if status == 404 else "forbidden", "Refused by fault."
            )
        conversation_id = request.path_params["conversation_id"]
        participant_id = request.path_params["participant_id"]
        call = emu.director.calls.get(conversation_id)
        if call is None or participant_id not in call.participant_ids.values():
            return _error(404, "not.found", "The conversation or participant does not exist.")
        try:
            body = json.loads(await request.body() or b"{}")
            attributes = body["attributes"]
            if not isinstance(attributes, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in attributes.items()
            ):
                raise TypeError("attributes must map strings to strings")
        except (ValueError, KeyError, TypeError) as exc:
            return _error(400, "bad.request", f"invalid participant attributes: {exc}")
        held = emu.attributes.setdefault((conversation_id, participant_id), {})
        held.update(attributes)
        if sum(len(k) + len(v) for k, v in held.items()) > MAX_ATTRIBUTE_CHARS:
            return _error(400, "bad.request", "participant attributes are too large")
        return Response(status_code=202)

    @authed("routing:queue:view")
    async def routing_queues(request: Request, client: OAuthClient) -> Response:
        emu.count("routing_queues")
        return JSONResponse(queue_listing(request.query_params))

    return [
        Route("/api/v2/routing/queues", routing_queues, methods=["GET"]),
        Route("/api/v2/notifications/availabletopics", available_topics, methods=["GET"]),
        Route("/api/v2/conversations/{conversation_id}/suggestions", suggestions, methods=["GET"]),
        Route("/api/v2/conversations/{conversation_id}/summaries", summaries, methods=["GET"]),
        Route(ATTRIBUTES_PATH, participant_attributes, methods=["PATCH"]),
    ]


def _name_matches(name: str, wanted: str) -> bool:
    """The platform's ``name`` filter: exact, or with a leading and/or trailing ``*``."""
    core, name = wanted.strip("*").lower(), name.lower()
    if wanted.startswith("*") and wanted.endswith("*") and len(wanted) > 1:
        return core in name
    if wanted.endswith("*"):
        return name.startswith(core)
    if wanted.startswith("*"):
        return name.endswith(core)
    return name == core


def queue_listing(query: Mapping[str, str]) -> dict[str, Any]:
    """``GET /api/v2/routing/queues``: a QueueEntityListing of the scenarios' queues, paged
    (``pageSize`` 1-500, default 25) and filtered by ``name`` as the platform does."""
    try:
        size = min(max(int(query.get("pageSize", "25")), 1), 500)
        number = max(int(query.get("pageNumber", "1")), 1)
    except ValueError:
        size, number = 25, 1
    wanted = query.get("name")
    queues = [
        {"id": qid, "name": name, "selfUri": f"/api/v2/routing/queues/{qid}"}
        for name, qid in QUEUE_IDS.items()
        if wanted is None or _name_matches(name, wanted)
    ]
    page = queues[(number - 1) * size : number * size]
    return {
        "entities": page,
        "pageSize": size,
        "pageNumber": number,
        "total": len(queues),
        "pageCount": -(-len(queues) // size),
    }


async def http_error(request: Request, exc: Exception) -> Response:
    """Unknown routes and methods answer with the platform's JSON error body."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "not.found", 405: "method.not.allowed"}.get(status, "internal.server.error")
    message = {
        404: f"Unable to find the resource {request.url.path}",
        405: f"{request.method} is not allowed on {request.url.path}",
    }.get(status, "The server had an error.")
    return _error(status, code, message)


class CorrelationIds:
    """ASGI middleware: every HTTP answer carries an ``inin-correlation-id`` header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation = str(uuid.uuid4()).encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = [
                    *message.get("headers", []),
                    (b"inin-correlation-id", correlation),
                ]
            await send(message)

        await self.app(scope, receive, send_with_id)
