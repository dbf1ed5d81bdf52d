"""The queue listing team scoping resolves names with, through the SDK and our own client."""

from __future__ import annotations

import asyncio
import json

from assist_tui.emulator.scenarios import QUEUE_IDS
from assist_tui.genesys.queues import queue_directory
from assist_tui.genesys.session import GenesysSession

from ..quiet_sdk import sdk
from .conftest import Oracle
from .oracle import conform


async def test_routing_queues_listing_conforms_and_pages(oracle: Oracle) -> None:
    api = sdk.RoutingApi(oracle.client)
    first = await asyncio.to_thread(api.get_routing_queues, page_size=4, page_number=1)
    conform(json.loads(oracle.client.last_response.data), "QueueEntityListing")
    assert first.page_count == 2 and len(first.entities) == 4
    named = await asyncio.to_thread(api.get_routing_queues, name="tech*")
    assert [q.name for q in named.entities] == ["Tech Support"]
    exact = await asyncio.to_thread(api.get_routing_queues, name="Billing")
    assert [q.id for q in exact.entities] == [QUEUE_IDS["Billing"]]


async def test_queue_directory_reads_every_page(oracle: Oracle) -> None:
    from assist_tui.config import GenesysSettings
    from assist_tui.genesys.auth import ClientCredentials

    server = oracle.server
    genesys = GenesysSettings(api_base_url=server.url, login_base_url=server.url)
    credentials = ClientCredentials(server.client_id, server.client_secret)
    async with GenesysSession(genesys, credentials=credentials) as session:
        assert await queue_directory(session.api) == QUEUE_IDS
        assert await queue_directory(session.api, page_size=4) == QUEUE_IDS  # two pages
    assert server.emulator.requests["routing_queues"] == 3
