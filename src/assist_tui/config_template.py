"""The commented template ``assist-tui config init`` writes, generated from the settings' own
field descriptions and defaults, so it cannot drift from them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from assist_tui.keymap import BINDING_IDS

HEADER = """\
# assist-tui configuration (generated from the settings' own descriptions).
# Precedence: built-in defaults < this file < environment < command-line flags.
# Environment: GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET, GENESYS_REGION,
# GENESYS_API_BASE_URL, GENESYS_LOGIN_BASE_URL, and ASSIST_TUI_<SECTION>_<KEY>
# for any key below (for example ASSIST_TUI_STREAM_MAX_FRAME_BYTES=131072).
# ASSIST_TUI_CONFIG points at another file. With no credentials, assist-tui runs
# against its built-in emulator (demo mode). Keep this file private (mode 600).
"""


def toml_value(value: Any) -> str:
    """One default as TOML: strings and lists in JSON form (valid TOML), tables inline."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Path):
        return json.dumps(str(value))
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def _default(info: FieldInfo) -> Any:
    return info.default_factory() if info.default_factory is not None else info.default  # type: ignore[call-arg]


def _tables(info: FieldInfo) -> bool:
    """Whether the field is a list of sections (written as ``[[section.name]]`` in TOML)."""
    args = get_args(info.annotation)
    return bool(args) and isinstance(args[0], type) and issubclass(args[0], BaseModel)


def _field_lines(name: str, info: FieldInfo) -> list[str]:
    lines = [f"# {info.description}" if info.description else f"# {name}"]
    value = _default(info)
    if value is None:  # unset by default: shown, commented out
        lines.append(f"# {name} =   (not set by default)")
    elif value == [] and _tables(info):  # a list of tables: [[section.name]] blocks
        lines.append(f"# {name} =   (none by default; each one a [[section.{name}]] table)")
    else:
        lines.append(f"{name} = {toml_value(value)}")
    return lines


def _teams_lines(settings_model: type[BaseModel]) -> list[str]:
    """``[teams.<name>]``: none by default (every supervisor sees every queue), so the
    example is commented out; each key with its description, from ``TeamSettings``."""
    from assist_tui.team_settings import TEAMS_EXAMPLE, TeamSettings

    lines = [f"# {settings_model.model_fields['teams'].description}"]
    lines.append("# none by default: every supervisor sees every queue. README: Team scoping.")
    for name, info in TeamSettings.model_fields.items():
        lines.append(f"#   {name}: {info.description}")
    for team, values in TEAMS_EXAMPLE:
        lines.append(f"# [teams.{team}]")
        lines.extend(f"# {key} = {toml_value(value)}" for key, value in values.items())
    lines.append("")
    return lines


def render_template(settings_model: type[BaseModel]) -> str:
    """Every section and every field of ``settings_model``, each with its description."""
    out = [HEADER]
    top: list[str] = []
    for name, info in settings_model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            doc = (annotation.__doc__ or "").strip().splitlines()
            out.append(f"[{name}]")
            if doc:
                out.append(f"# {doc[0]}")
            for field_name, field_info in annotation.model_fields.items():
                out.extend(_field_lines(field_name, field_info))
            out.append("")
        elif name in ("keys", "teams"):
            continue  # written last: TOML tables of their own
        else:
            top.extend(_field_lines(name, info))
    if top:  # top-level keys must come before the first table
        out.insert(1, "\n".join(top) + "\n")
    out.extend(_teams_lines(settings_model))
    out.append("[keys]")
    out.append(f"# {settings_model.model_fields['keys'].description}")
    out.append("# binding ids and their default keys:")
    out.extend(f"# {binding} = {json.dumps(key)}" for binding, key in BINDING_IDS.items())
    return "\n".join(out) + "\n"
