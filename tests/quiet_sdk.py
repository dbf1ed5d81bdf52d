"""Import the Genesys SDK with its config-file live reload off.

At import the SDK makes a ``Configuration`` singleton which, unless its config file says
``live_reload_config = false``, starts a watchdog observer on ``~/.genesyscloudpython`` or,
when that is missing, on the nearest existing parent (``~`` itself, recursively). In every
xdist worker that thread then handled every file opened under the home directory (the
Python install, caches): measured, one worker spent most of a core on it for the whole run.
The singleton reads its file once, so HOME points at such a file only while it is made.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def import_sdk_quietly() -> None:
    """Import the SDK (once) with no file watcher; call before any test module imports it."""
    with tempfile.TemporaryDirectory(prefix="assist-sdk-home-") as home:
        folder = Path(home) / ".genesyscloudpython"
        folder.mkdir()
        (folder / "config").write_text("[general]\nlive_reload_config = false\n")
        saved = os.environ.get("HOME")
        os.environ["HOME"] = home
        try:
            import PureCloudPlatformClientV2  # noqa: F401
        finally:
            if saved is None:
                os.environ.pop("HOME", None)
            else:
                os.environ["HOME"] = saved
