"""Audio quality and language gates: good, degraded or bad, with the reasons."""

from __future__ import annotations

from dataclasses import dataclass

from assist_tui.config import QualitySettings
from assist_tui.model import AudioMetrics, AudioStatus

# (metric field, label, (unit, decimals), higher is better); thresholds are read from
# QualitySettings as min_/max_<field> (good) and bad_<field>.
_GAUGES: tuple[tuple[str, str, tuple[str, int], bool], ...] = (
    ("snr_db", "SNR", (" dB", 1), True),
    ("jitter_ms", "jitter", (" ms", 0), False),
    ("packet_loss_pct", "packet loss", (" %", 1), False),
    ("mos", "MOS", ("", 2), True),
)

_RANK = {AudioStatus.UNKNOWN: 0, AudioStatus.GOOD: 1, AudioStatus.DEGRADED: 2, AudioStatus.BAD: 3}


@dataclass(frozen=True)
class QualityVerdict:
    status: AudioStatus
    reasons: tuple[str, ...]


def _worse(a: AudioStatus, b: AudioStatus) -> AudioStatus:
    return a if _RANK[a] >= _RANK[b] else b


class QualityGate:
    """Judges the latest metrics of a conversation against the configured thresholds."""

    def __init__(self, settings: QualitySettings) -> None:
        self.s = settings

    def judge(self, metrics: AudioMetrics | None, language: str | None) -> QualityVerdict:
        s = self.s
        status = AudioStatus.UNKNOWN
        reasons: list[str] = []

        def mark(level: AudioStatus, reason: str) -> None:
            nonlocal status
            status = _worse(status, level)
            if level is not AudioStatus.GOOD:
                reasons.append(reason)

        if metrics is not None:
            for attr, label, unit, higher_is_better in _GAUGES:
                value = getattr(metrics, attr)
                if value is None:
                    continue
                good_limit = getattr(s, f"{'min' if higher_is_better else 'max'}_{attr}")
                bad_limit = getattr(s, f"bad_{attr}")
                if higher_is_better:
                    level = (
                        AudioStatus.BAD
                        if value < bad_limit
                        else AudioStatus.DEGRADED
                        if value < good_limit
                        else AudioStatus.GOOD
                    )
                    mark(level, f"{label} {value:.{unit[1]}f}{unit[0]} < {good_limit:g}")
                else:
                    level = (
                        AudioStatus.BAD
                        if value > bad_limit
                        else AudioStatus.DEGRADED
                        if value > good_limit
                        else AudioStatus.GOOD
                    )
                    mark(level, f"{label} {value:.{unit[1]}f}{unit[0]} > {good_limit:g}")
            if metrics.codec is not None:
                codec = metrics.codec.replace(" ", "").lower()
                if codec not in {c.replace(" ", "").lower() for c in s.codecs}:
                    mark(AudioStatus.BAD, f"codec {metrics.codec} not supported")
                else:
                    mark(AudioStatus.GOOD, "")
        detected = (metrics.detected_language if metrics else None) or language
        if detected:
            if detected.lower() != s.expected_language.lower():
                mark(AudioStatus.DEGRADED, f"language {detected}, expected {s.expected_language}")
            else:
                mark(AudioStatus.GOOD, "")
        return QualityVerdict(status, tuple(reasons))
