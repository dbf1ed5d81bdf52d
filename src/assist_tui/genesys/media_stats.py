"""Telephony media statistics of a conversation: the REST call and its wire format.

No notification topic carries MOS, jitter or loss, so these are polled (GENESYS.md). The
preview API answers a ``MediaStatisticsListing``: per communication, per media endpoint,
``rtp {estimatedAverageMos, averageJitter, packetsReceived, packetsSent, ...}``. It has
no loss percentage, no codec and no SNR: loss is estimated from packet counters when two
endpoints of one communication report them, and the rest is left as not provided.
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


def _number(rtp: dict[str, Any], key: str) -> float | None:
    value = rtp.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _loss_pct(endpoints: list[dict[str, Any]]) -> float | None:
    """Share of what one endpoint sent that another of the same communication did not receive.

    The counters are sampled separately, so this is an estimate; the worst pair is kept.
    """
    worst: float | None = None
    for receiver in endpoints:
        received = _number(receiver.get("rtp") or {}, "packetsReceived")
        if received is None:
            continue
        for sender in endpoints:
            if sender is receiver or sender.get("sourceType") == receiver.get("sourceType"):
                continue
            sent = _number(sender.get("rtp") or {}, "packetsSent")
            if sent is None or sent <= 0:
                continue
            loss = min(max(100.0 * (1.0 - received / sent), 0.0), 100.0)
            worst = loss if worst is None else max(worst, loss)
    return None if worst is None else round(worst, 3)


def _communication(conversation_id: str, entity: dict[str, Any]) -> AudioMetrics | None:
    endpoints = [
        e
        for e in entity.get("mediaStatistics") or []
        if isinstance(e, dict) and isinstance(e.get("rtp"), dict)
    ]
    if not endpoints:
        return None
    mos = [m for e in endpoints if (m := _number(e["rtp"], "estimatedAverageMos")) is not None]
    jitter = [j for e in endpoints if (j := _number(e["rtp"], "averageJitter")) is not None]
    return AudioMetrics(
        conversation_id=conversation_id,
        mos=min(mos) if mos else None,  # the endpoint that hears worst
        jitter_ms=max(jitter) if jitter else None,
        packet_loss_pct=_loss_pct(endpoints),
    )


def parse_media_statistics(conversation_id: str, body: Any) -> AudioMetrics | None:
    """The worst communication's figures from a ``MediaStatisticsListing``."""
    if not isinstance(body, dict):
        return None
    worst: AudioMetrics | None = None
    for entity in body.get("entities") or []:
        if not isinstance(entity, dict):
            continue
        metrics = _communication(conversation_id, entity)
        if metrics is None:
            continue
        if worst is None or (metrics.mos or 5.0) < (worst.mos or 5.0):
            worst = metrics
    return worst
