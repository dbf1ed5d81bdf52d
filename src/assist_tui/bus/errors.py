"""The bus's failures a person sees: one line each, exit status 2 from the CLI. Kept apart
from the modules that import ``nats``, so the CLI can name them without loading it."""

from __future__ import annotations


class BusError(Exception):
    """A bus command cannot go on; the message is one line for a person."""


class BusUnavailable(BusError):
    """NATS could not be reached (or refused us)."""


class ServeError(BusError):
    """``serve`` cannot start."""
