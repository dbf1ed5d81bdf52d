"""HTTP and WebSocket routes of the emulator (Starlette), as GENESYS.md documents them."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from assist_tui.emulator import wire
from assist_tui.emulator.calls import LiveCall
from assist_tui.emulator.core import Emulator
from assist_tui.emulator.dialect_routes import dialect_routes
from assist_tui.emulator.faults import FaultError, parse_fault
from assist_tui.emulator.hub import TopicLimitError
from assist_tui.emulator.platform_routes import CorrelationIds, http_error, platform_routes
from assist_tui.emulator.pump import pump
from assist_tui.emulator.tokens import OAuthClient
from assist_tui.emulator.transcripts_api import transcript_routes

Handler = Callable[[Request, OAuthClient], Awaitable[Response]]


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(wire.error_body(status, code, message, **extra), status_code=status)


def build_app(emu: Emulator) -> Starlette:
    """The Starlette application serving one emulator."""

    def authed(
        permission: str | None = None,
    ) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
        def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
            async def endpoint(request: Request) -> Response:
                if emu.faults.api_429_remaining > 0:
                    emu.faults.api_429_remaining -= 1
                    emu.count("api_429")
                    response = _error(
                        429,
                        "too.many.requests.retry.after",
                        "Rate limit exceeded the maximum. Retry the request in a few seconds.",
                        limit={"key": "requests.per.minute", "namespace": "emulator", "value": 300},
                    )
                    response.headers["Retry-After"] = f"{emu.faults.api_retry_after_s:g}"
                    response.headers["inin-ratelimit-allowed"] = "300"
                    return response
                client = emu.tokens.check(request.headers.get("authorization"))
                if client is None:
                    return _error(401, "bad.credentials", "Invalid login credentials.")
                if permission and permission not in client.permissions:
                    return _error(
                        403,
                        "missing.permissions",
                        f"You are missing the following permission(s): [{permission}]",
                        messageWithParams="You are missing the following permission(s): "
                        "[{permissions}]",
                        messageParams={"permissions": permission},
                    )
                return await handler(request, client)

            return endpoint

        return wrap

    async def token(request: Request) -> Response:
        emu.count("token")
        if emu.faults.token_429_remaining > 0:
            emu.faults.token_429_remaining -= 1
            retry = emu.faults.token_retry_after_s
            response = _error(
                429,
                "too.many.requests.retry.after",
                "Rate limit exceeded the maximum. Retry later.",
            )
            response.headers["Retry-After"] = f"{retry:g}"
            return response
        # A urlencoded body is all this endpoint accepts; parsed here to avoid a multipart dep.
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        if form.get("grant_type") != "client_credentials":
            return JSONResponse(
                {"error": "unsupported_grant_type", "description": "use client_credentials"},
                status_code=400,
            )
        creds = emu.tokens.credentials_from(request.headers.get("authorization"), form)
        client = emu.tokens.authenticate(*creds) if creds else None
        if client is None:
            return JSONResponse(
                {
                    "error": "invalid_client",
                    "description": "client not found or secret wrong",
                    "error_description": "client not found or secret wrong",
                },
                status_code=401,
            )
        access, lifetime = emu.tokens.issue(client)
        return JSONResponse(
            {"access_token": access, "token_type": "bearer", "expires_in": lifetime}
        )

    def connect_uri(channel_id: str) -> str:
        return f"{emu.ws_base_url}/channels/{channel_id}"

    @authed()
    async def create_channel(request: Request, client: OAuthClient) -> Response:
        emu.count("create_channel")
        bearer = (request.headers.get("authorization") or "")[7:].strip()
        channel = emu.hub.create_channel(client.client_id, bearer)
        return JSONResponse(channel.as_json(connect_uri(channel.id)))

    @authed()
    async def list_channels(request: Request, client: OAuthClient) -> Response:
        mine = [c for c in emu.hub.channels.values() if c.client_id == client.client_id]
        return JSONResponse({"entities": [c.as_json(connect_uri(c.id)) for c in mine]})

    @authed()
    async def channel_exists(request: Request, client: OAuthClient) -> Response:
        emu.count("head_channel")
        channel = emu.hub.get(request.path_params["channel_id"])
        if channel is None or channel.client_id != client.client_id:
            return Response(status_code=404)
        return Response(status_code=200)

    @authed()
    async def subscriptions(request: Request, client: OAuthClient) -> Response:
        channel = emu.hub.get(request.path_params["channel_id"])
        if channel is None or channel.client_id != client.client_id:
            return _error(404, "not.found", "The channel does not exist.")
        if request.method == "GET":
            return JSONResponse(
                {"entities": [{"id": t, "state": "Permitted"} for t in sorted(channel.topics)]}
            )
        if request.method == "DELETE":
            channel.topics = set()
            return Response(status_code=200)
        emu.count("subscribe")
        try:
            body = json.loads(await request.body() or b"[]")
            topics = [str(item["id"]) for item in body]
        except (ValueError, TypeError, KeyError):
            return _error(400, "bad.request", 'The body must be a list of {"id": "<topic>"}.')
        try:
            entities = emu.hub.subscribe(
                channel, topics, client.permissions, replace=request.method == "PUT"
            )
        except TopicLimitError as exc:
            return _error(400, "notification.subscription.topic.limit", str(exc))
        return JSONResponse({"entities": entities})

    @authed("analytics:conversationDetail:view")
    async def analytics_query(request: Request, client: OAuthClient) -> Response:
        emu.count("analytics_query")
        try:
            body = json.loads(await request.body() or b"{}")
            start_text, end_text = str(body["interval"]).split("/")
            start = datetime.fromisoformat(start_text.replace("Z", "+00:00"))
            end = datetime.fromisoformat(end_text.replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError):
            return _error(400, "bad.request", "interval must be '<start>/<end>' in ISO-8601.")
        if end <= start or end - start > timedelta(days=7):
            return _error(400, "bad.request", "the interval must be positive and at most 7 days.")
        paging = body.get("paging") or {}
        size = int(paging.get("pageSize", 25))
        number = max(1, int(paging.get("pageNumber", 1)))
        if not 1 <= size <= 100:
            # The platform refuses pages over 100 rather than clamping them.
            return _error(
                400,
                "bad.request",
                f"paging.pageSize must be between 1 and 100, not {size}",
                messageWithParams="paging.pageSize must be between 1 and 100, not {size}",
                messageParams={"size": str(size)},
            )
        live_only = _asks_for_live_only(body)
        queues = _queue_filter(body)
        matches: list[LiveCall] = sorted(
            (
                c
                for c in emu.director.calls.values()
                if start <= c.started_at <= end
                and (not live_only or c.ended_at is None)
                and (not queues or c.queue_id in queues)
            ),
            key=lambda c: c.started_at,
        )
        page = matches[(number - 1) * size : number * size]
        result: dict[str, Any] = {"totalHits": len(matches)}
        if page:  # the platform omits the key when a page is empty
            result["conversations"] = [wire.analytics_conversation(c) for c in page]
        return JSONResponse(result)

    @authed("conversation:communication:view")
    async def media_statistics(request: Request, client: OAuthClient) -> Response:
        emu.count("media_statistics")
        stats = emu.media_statistics(request.path_params["conversation_id"])
        if stats is None:
            return _error(404, "not.found", "No media statistics for this conversation.")
        return JSONResponse(stats)

    @authed()
    async def agent_assist(request: Request, client: OAuthClient) -> Response:
        emu.count("agent_assist")
        if emu.faults.attributes_status:
            status = emu.faults.attributes_status
            code = "not.found" if status == 404 else "forbidden"
            return _error(status, code, "Refused by fault.")
        try:
            body = json.loads(await request.body() or b"{}")
            conversation_id = str(body["interactionId"])
            content = body["content"]
            if not isinstance(content, dict) or not content.get("title"):
                raise ValueError("content.title is required")
        except (ValueError, KeyError, TypeError) as exc:
            return _error(400, "bad.request", f"invalid assist event: {exc}")
        call = emu.director.calls.get(conversation_id)
        if call is None or call.ended_at is not None:
            return _error(409, "conflict", "The interaction is not active.")
        emu.assist_received.append(body)
        return JSONResponse(
            {"id": str(len(emu.assist_received)), "status": "accepted"}, status_code=202
        )

    async def knowledge(request: Request) -> Response:
        """A stand-in knowledge engine (not a Genesys API): records idempotent deliveries."""
        emu.count("knowledge")
        if emu.knowledge_down:
            return JSONResponse({"error": "unavailable"}, status_code=503)
        key = request.headers.get("idempotency-key")
        if not key:
            return JSONResponse({"error": "Idempotency-Key header required"}, status_code=400)
        duplicate = key in emu.knowledge_received
        emu.knowledge_received[key] = emu.knowledge_received.get(key, 0) + 1
        if not duplicate:
            emu.knowledge_payloads.append(json.loads(await request.body() or b"{}"))
        return JSONResponse({"accepted": True, "duplicate": duplicate})

    async def inject_fault(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
            if not isinstance(body, dict) or not isinstance(body.get("fault"), str):
                raise FaultError(
                    'send {"fault": "NAME"}, {"fault": "NAME=VALUE"} or '
                    '{"fault": "NAME", "value": VALUE}'
                )
            # "malformed=5" as on the command line, or the value apart; unknown names are
            # refused with the list of known ones.
            name, value = parse_fault(body["fault"])
            if body.get("value") is not None:
                value = (
                    str(body["value"]).lower()
                    if isinstance(body["value"], bool)
                    else str(body["value"])
                )
            done = emu.inject(name, value)
        except (ValueError, KeyError, TypeError, FaultError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"done": done})

    async def status(request: Request) -> Response:
        return JSONResponse(
            {
                "live": [
                    {"conversationId": c.conversation_id, "scenario": c.scenario, "queue": c.queue}
                    for c in emu.director.live()
                ],
                "channels": len(emu.hub.channels),
                "framesPublished": emu.hub.frames_published,
                "framesLost": emu.hub.frames_lost,
                "requests": emu.requests,
                "knowledgeReceived": emu.knowledge_received,
                "assistReceived": len(emu.assist_received),
            }
        )

    async def channel_socket(ws: WebSocket) -> None:
        channel = emu.hub.get(ws.path_params["channel_id"])
        if channel is None:
            await ws.close(code=4004)  # before accept: the handshake is refused
            return
        await ws.accept()
        emu.count("socket_connect")
        conn = emu.hub.attach(channel)

        async def heartbeats() -> None:
            while True:
                await asyncio.sleep(emu.heartbeat_interval_s)
                if not emu.faults.heartbeats_stopped:
                    conn.send(wire.heartbeat())
                emu.check_channel_token(channel.id)

        def on_text(text: str) -> None:
            with contextlib.suppress(ValueError, AttributeError):
                if json.loads(text).get("message") == "ping":
                    emu.count("ping")
                    conn.send(wire.pong())

        try:
            await pump(ws, conn, on_text, heartbeats())
        finally:
            emu.hub.detach(channel.id, conn)

    channel_path = "/api/v2/notifications/channels/{channel_id}"
    return Starlette(
        routes=[
            Route("/oauth/token", token, methods=["POST"]),
            Route("/api/v2/notifications/channels", create_channel, methods=["POST"]),
            Route("/api/v2/notifications/channels", list_channels, methods=["GET"]),
            Route(channel_path, channel_exists, methods=["HEAD", "GET"]),
            Route(
                channel_path + "/subscriptions",
                subscriptions,
                methods=["GET", "POST", "PUT", "DELETE"],
            ),
            Route(
                "/api/v2/analytics/conversations/details/query", analytics_query, methods=["POST"]
            ),
            Route(
                "/api/v2/telephony/providers/edges/mediastatistics/conversations/{conversation_id}",
                media_statistics,
                methods=["GET"],
            ),
            Route("/api/v2/interactions/events/agent/assist", agent_assist, methods=["POST"]),
            Route("/emulator/knowledge", knowledge, methods=["POST"]),
            Route("/emulator/faults", inject_fault, methods=["POST"]),
            Route("/emulator/status", status, methods=["GET"]),
            WebSocketRoute("/channels/{channel_id}", channel_socket),
            *platform_routes(emu, authed),
            *dialect_routes(emu, authed),
            *transcript_routes(emu, authed),
        ],
        middleware=[Middleware(CorrelationIds)],
        exception_handlers={404: http_error, 405: http_error},
    )


def _asks_for_live_only(body: dict[str, Any]) -> bool:
    for flt in body.get("conversationFilters") or []:
        for predicate in flt.get("predicates") or []:
            if (
                predicate.get("dimension") == "conversationEnd"
                and predicate.get("operator") == "notExists"
            ):
                return True
    return False


def _queue_filter(body: dict[str, Any]) -> set[str]:
    queues: set[str] = set()
    for flt in body.get("segmentFilters") or []:
        for predicate in flt.get("predicates") or []:
            if predicate.get("dimension") == "queueId" and predicate.get("value"):
                queues.add(str(predicate["value"]))
    return queues
