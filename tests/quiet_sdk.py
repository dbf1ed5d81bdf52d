"""Import the Genesys SDK with its config-file live reload off.

At import the SDK makes a ``Configuration`` singleton which, unless its config file says
``live_reload_config = false``, starts a watchdog observer on ``~/.genesyscloudpython`` or,
when that is missing, on the nearest existing parent (``~`` itself, recursively). In every
xdist worker that thread then handled every file opened under the home directory (the
Python install, caches): measured, one worker spent most of a core on it for the whole run.
The singleton reads its file once, so HOME points at such a file only while it is made.

The SDK's package imports all of its 3,400 models and 60 APIs (6,750 files: 3 s with
their bytecode, 11 s without) where the conformance tests use a few dozen. It is loaded
here as its ``__init__`` files would load it, one name at a time: each ``from .x import
Y`` line those files hold becomes an attribute imported on first use, so ``sdk.models.Y``
and the API client's own ``models.Y`` look-ups give the SDK's very classes. Every xdist
worker collects every test module: the conformance tests reach the SDK through ``sdk``
below, which loads it on first use, so only a worker that runs them pays for it.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

SDK = "PureCloudPlatformClientV2"
# The only lines the SDK's three __init__ files hold besides ``configuration = ...``.
_NAME = re.compile(r"^from \.([\w.]+) import (\w+)\s*$", re.MULTILINE)


def _lazy_package(name: str, folder: Path) -> ModuleType:
    """``name`` as a package whose ``from .x import Y`` names import on first use."""
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [str(folder)]
    package = importlib.util.module_from_spec(spec)
    package.__file__ = str(folder / "__init__.py")
    where = {
        attr: f"{name}.{module}"
        for module, attr in _NAME.findall((folder / "__init__.py").read_text("utf-8"))
    }

    def __getattr__(attr: str) -> Any:
        if attr not in where:
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        value = getattr(importlib.import_module(where[attr]), attr)
        setattr(package, attr, value)
        return value

    package.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[name] = package
    return package


def import_sdk_quietly() -> None:
    """Load the SDK (once) with no file watcher; call before any test module imports it."""
    if SDK in sys.modules:
        return
    found = importlib.util.find_spec(SDK)  # finds the package without running it
    assert found is not None and found.submodule_search_locations, (
        f"{SDK}, the conformance tests' oracle, is not installed: "
        "uv pip install -e '.[oracle]' (the README's test command does)"
    )
    root = Path(next(iter(found.submodule_search_locations)))
    package = _lazy_package(SDK, root)
    for sub in ("models", "apis"):
        setattr(package, sub, _lazy_package(f"{SDK}.{sub}", root / sub))
    with tempfile.TemporaryDirectory(prefix="assist-sdk-home-") as home:
        folder = Path(home) / ".genesyscloudpython"
        folder.mkdir()
        (folder / "config").write_text("[general]\nlive_reload_config = false\n")
        saved = os.environ.get("HOME")
        os.environ["HOME"] = home
        try:
            # What the package's __init__ does besides importing: the config singleton,
            # which reads its file (and would start the watcher) when first made.
            package.configuration = package.Configuration()
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
        package: ModuleType = importlib.import_module(SDK)
        if name == "rest":
            return importlib.import_module(f"{SDK}.rest")
        return getattr(package, name)


sdk = _LazySDK()
