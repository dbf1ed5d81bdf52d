"""Logging to a file in the platform log dir, never to the terminal, with secrets scrubbed."""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

import platformdirs

from assist_tui.config import APP_NAME
from assist_tui.files import private_dir, private_file

LOG_DIR_ENV = "ASSIST_TUI_LOG_DIR"
LEVEL_ENV = "ASSIST_TUI_LOG_LEVEL"

# Defence in depth: the code never logs these, and this filter makes sure of it.
_SECRET_PATTERNS = (
    (re.compile(r"(?i)(access_token|client_secret|api_key|apikey|token)=([^&\s\"']+)"), r"\1=***"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 ***"),
    (re.compile(r'(?i)("(?:access_token|client_secret|api_key)"\s*:\s*)"[^"]*"'), r'\1"***"'),
    # A password in a URL: nats://user:PASSWORD@host
    (re.compile(r"\b([a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s/]+@"), r"\1***@"),
)


def scrub(text: str) -> str:
    """``text`` with token- and secret-shaped values replaced by ``***``."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def log_dir() -> Path:
    override = os.environ.get(LOG_DIR_ENV)
    return Path(override) if override else platformdirs.user_log_path(APP_NAME)


def setup_logging(level: str | None = None) -> Path:
    """Send the app's (and its servers') logs to a rotating file; return its path."""
    directory = log_dir()
    private_dir(directory)
    if not os.environ.get(LOG_DIR_ENV):
        private_dir(directory.parent)  # the platform's state directory for this app
    path = directory / "assist-tui.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    for old in (path, *directory.glob("assist-tui.log.*")):
        private_file(old)
    handler.setFormatter(ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    chosen = (level or os.environ.get(LEVEL_ENV) or "INFO").upper()
    for name in ("assist_tui", "uvicorn", "uvicorn.error", "websockets", "httpx"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
        logger.setLevel(chosen if name == "assist_tui" else "WARNING")
    return path
