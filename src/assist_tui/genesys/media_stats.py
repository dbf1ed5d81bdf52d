"""Telephony media statistics of a conversation: the REST call and its wire format.

No notification topic carries MOS, jitter or loss, so these are polled (GENESYS.md).
"""

from __future__ import annotations

from typing import Any

from assist_tui.genesys.rest import GenesysApi
from assist_tui.model import AudioMetrics

MEDIA_PATH = "/api/v2/telephony/providers/edges/mediastatistics/conversations/{}"


async def fetch_media_statistics(api: GenesysApi, conversation_id: str) -> AudioMetrics | None:
    """The conversation's current audio figures (raises NotFoundError if it has none)."""
    body = await api.json("GET", MEDIA_PATH.format(conversation_id), what="media statistics")
    return parse_media_statistics(conversation_id, body)


def parse_media_statistics(conversation_id: str, body: Any) -> AudioMetrics | None:
    """The worst communication's figures from a telephony media statistics answer."""
    if not isinstance(body, dict):
        return None
    worst: AudioMetrics | None = None
    for comm in body.get("communications") or []:
        stats = comm.get("mediaStatistics") if isinstance(comm, dict) else None
        if not isinstance(stats, dict):
            continue
        rtp = stats.get("rtp") or {}
        try:
            received = float(rtp.get("packetsReceived") or 0)
            lost = float(rtp.get("packetsLost") or 0)
            loss = 100.0 * lost / (received + lost) if received + lost > 0 else None
            metrics = AudioMetrics(
                conversation_id=conversation_id,
                mos=float(rtp["estimatedAverageMos"])
                if rtp.get("estimatedAverageMos") is not None
                else None,
                jitter_ms=float(rtp["averageJitter"])
                if rtp.get("averageJitter") is not None
                else None,
                packet_loss_pct=round(loss, 3) if loss is not None else None,
                codec=str(stats["codec"]) if stats.get("codec") else None,
            )
        except (TypeError, ValueError):
            continue
        if worst is None or (metrics.mos or 5.0) < (worst.mos or 5.0):
            worst = metrics
    return worst
