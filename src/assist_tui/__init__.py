"""assist-tui: a terminal dashboard for supervisors watching Genesys Cloud Agent Assist live."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("assist-tui")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
