"""The official SDK as the judge of the emulator's shapes: strict deserialization.

The SDK's own deserializer is lenient (unknown keys are skipped, an unknown enum value
becomes "outdated_sdk_version", a dict passed where a string is expected is str()-ed), so
this walks the JSON against each model's ``swagger_types``/``attribute_map`` itself and
fails on what the SDK would silently paper over.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ..quiet_sdk import sdk

OUTDATED = "outdated_sdk_version"
_LIST = re.compile(r"^list\[(.*)\]$")
_DICT = re.compile(r"^dict\(([^,]*), (.*)\)$")


class Mismatch(AssertionError):
    """The JSON does not fit the SDK model."""


def _check(value: Any, kind: str, where: str, problems: list[str]) -> None:
    if value is None:
        return
    if m := _LIST.match(kind):
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list ({kind}), got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            _check(item, m.group(1), f"{where}[{i}]", problems)
        return
    if m := _DICT.match(kind):
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object ({kind}), got {type(value).__name__}")
            return
        for key, item in value.items():
            _check(item, m.group(2), f"{where}.{key}", problems)
        return
    if kind == "object":
        return
    if kind == "str":
        if not isinstance(value, str):
            problems.append(f"{where}: expected a string, got {type(value).__name__}")
        return
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{where}: expected an integer, got {value!r}")
        return
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{where}: expected a number, got {value!r}")
        return
    if kind == "bool":
        if not isinstance(value, bool):
            problems.append(f"{where}: expected a boolean, got {value!r}")
        return
    if kind in ("datetime", "date", "LocalDateTime"):
        try:
            datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            problems.append(f"{where}: expected an ISO-8601 time, got {value!r}")
        return
    model = getattr(sdk.models, kind, None)
    if model is None:
        problems.append(f"{where}: the SDK has no model {kind}")
        return
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a {kind} object, got {type(value).__name__}")
        return
    instance = model()
    by_wire = {wire: attr for attr, wire in instance.attribute_map.items()}
    for key, item in value.items():
        attr = by_wire.get(key)
        if attr is None:
            problems.append(f"{where}.{key}: {kind} has no field {key!r}")
            continue
        _check(item, instance.swagger_types[attr], f"{where}.{key}", problems)


def _outdated(obj: Any, where: str, problems: list[str]) -> None:
    """Enum values the SDK did not know were replaced with OUTDATED by its setters."""
    if isinstance(obj, str) and obj == OUTDATED:
        problems.append(f"{where}: value not in the SDK's enum")
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            _outdated(item, f"{where}[{i}]", problems)
    elif isinstance(obj, dict):
        for key, item in obj.items():
            _outdated(item, f"{where}.{key}", problems)
    elif hasattr(obj, "swagger_types"):
        for attr in obj.swagger_types:
            _outdated(getattr(obj, attr), f"{where}.{obj.attribute_map[attr]}", problems)


def conform(data: Any, kind: str) -> Any:
    """Deserialize ``data`` into the SDK's ``kind``; raise Mismatch listing every problem."""
    problems: list[str] = []
    _check(data, kind, kind, problems)
    client = sdk.ApiClient()
    value = client._ApiClient__deserialize(data, kind)  # type: ignore[attr-defined]
    _outdated(value, kind, problems)
    if problems:
        raise Mismatch(
            "; ".join(problems[:10]) + (f" (+{len(problems) - 10})" if len(problems) > 10 else "")
        )
    return value


def conform_error(status: int, content_type: str | None, body: bytes) -> Any:
    """An error answer must be a JSON ErrorBody with the platform's fields."""
    import json

    if not (content_type or "").startswith("application/json"):
        raise Mismatch(f"{status} answered with content type {content_type!r}, not JSON")
    data = json.loads(body)
    value = conform(data, "ErrorBody")
    for key in (
        "message",
        "code",
        "status",
        "messageWithParams",
        "messageParams",
        "contextId",
        "details",
        "errors",
    ):
        if key not in data:
            raise Mismatch(f"{status} error body has no {key!r}")
    if data["status"] != status:
        raise Mismatch(f"error body says status {data['status']}, the answer {status}")
    return value
