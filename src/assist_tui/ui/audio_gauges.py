"""The gauges' text: each audio figure against its threshold, and plainly "not provided"
when the source does not measure it (the Notifications path has no SNR, codec or loss %);
the source's delay and assist-tui's own processing time, apart.
"""

from __future__ import annotations

from rich.text import Text

from assist_tui.config import QualitySettings
from assist_tui.engine.snapshot import ConversationGauges
from assist_tui.model import AudioStatus

NOT_PROVIDED = "not provided"
WAITING = "·"  # nothing measured yet

AUDIO_BADGES = {
    AudioStatus.UNKNOWN: ("·", "dim"),
    AudioStatus.GOOD: ("good", "green"),
    AudioStatus.DEGRADED: ("degraded", "yellow"),
    AudioStatus.BAD: ("BAD", "bold red"),
}


def audio_text(state: ConversationGauges, q: QualitySettings) -> Text:
    """The audio block of the gauges pane for one conversation."""
    if state.media_type in ("chat", "message"):
        return Text.assemble(
            ("audio ", "bold"), ("not a voice call", "dim"), f" ({state.media_type})\n"
        )
    metrics = state.audio
    text = Text()
    badge, style = AUDIO_BADGES[state.verdict.status]
    text.append("audio ", "bold")
    text.append(f"{badge}\n", style)

    def gauge(label: str, value: float | None, unit: str, ok: bool | None, measured: bool) -> None:
        missing = NOT_PROVIDED if measured else WAITING
        shown = missing if value is None else f"{value:.1f}{unit}"
        colour = "dim" if ok is None else ("green" if ok else "red")
        text.append(f"{label:<7}", "dim")
        text.append(f"{shown:>9}\n", colour)

    # Once the source has sent figures, a value it left out is one it does not provide.
    measured = metrics is not None
    snr = metrics.snr_db if metrics else None
    jitter = metrics.jitter_ms if metrics else None
    loss = metrics.packet_loss_pct if metrics else None
    mos = metrics.mos if metrics else None
    gauge("SNR", snr, " dB", None if snr is None else snr >= q.min_snr_db, measured)
    gauge("jitter", jitter, " ms", None if jitter is None else jitter <= q.max_jitter_ms, measured)
    gauge("loss", loss, " %", None if loss is None else loss <= q.max_packet_loss_pct, measured)
    gauge("MOS", mos, "", None if mos is None else mos >= q.min_mos, measured)
    conf = state.mean_confidence
    gauge(
        "ASR",
        None if conf is None else conf * 100,
        " %",
        None if conf is None else conf >= 0.7,
        False,
    )
    for reason in state.verdict.reasons[:3]:
        text.append(f"· {reason}\n", "yellow")
    return text


def latency_text(state: ConversationGauges) -> Text:
    """The platform's (or stream's) delay against its threshold, then ours, apart."""
    summary = state.latency
    if summary is None:
        return Text("no finals yet", style="dim")
    text = Text()
    text.append(f"{state.latency_label}\n", "dim")
    text.append(
        f"p50 {summary.p50_ms:.0f}  p95 {summary.p95_ms:.0f}  p99 {summary.p99_ms:.0f} ms\n"
    )
    text.append(f"under {state.warn_ms:.0f} ms: {summary.under_threshold * 100:.0f}%", "bold")
    own = state.own_latency
    if own is not None:
        text.append("\nours ", "dim")
        text.append(f"p50 {own.p50_ms:.1f}  p99 {own.p99_ms:.1f} ms")
        everyone = state.all_own_latency
        if everyone is not None:
            text.append(f"\nall  p50 {everyone.p50_ms:.1f}  p99 {everyone.p99_ms:.1f} ms", "dim")
    return text
