"""Import the Genesys SDK with its config-file live reload off.

At import the SDK makes a ``Configuration`` singleton which, unless its config file says
``live_reload_config = false``, starts a watchdog observer on ``~/.genesyscloudpython`` or,
when that is missing, on the nearest existing parent (``~`` itself, recursively). In every
xdist worker that thread then handled every file opened under the home directory (the
Python install, caches): measured, one worker spent most of a core on it for the whole run.
The singleton reads its file once, so HOME points at such a file only while it is made.

The SDK takes about two seconds to import (thousands of models) and every xdist worker
collects every test module: the conformance tests reach it through ``sdk`` below, which
imports it on first use, so only a worker that runs them pays for it.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any


def import_sdk_quietly() -> None:
    """Import the SDK (once) with no file watcher; call before any test module imports it."""
    import sys

    if "PureCloudPlatformClientV2" in sys.modules:
        return
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


class _LazySDK:
    """``sdk.ApiClient``, ``sdk.models``, ``sdk.rest``: the SDK, imported on first use."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # pytest and copy look for __test__ and the like
            raise AttributeError(name)
        import_sdk_quietly()
        package: ModuleType = importlib.import_module("PureCloudPlatformClientV2")
        if name == "rest":
            return importlib.import_module("PureCloudPlatformClientV2.rest")
        return getattr(package, name)


sdk = _LazySDK()
