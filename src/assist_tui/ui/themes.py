"""Themes as TOML data files, validated, turned into Textual themes.

Built-in themes ship with the package; users add their own to ``themes/`` in the
platform data dir. An invalid file is reported (not fatal) and skipped.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from textual.color import Color, ColorParseError
from textual.theme import Theme

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_THEME = "assist-dark"
COLOUR_KEYS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "background",
    "surface",
    "panel",
    "foreground",
)


class ThemeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, pattern=r"^[a-z0-9-]+$")
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    foreground: str | None = None
    variables: dict[str, str] = Field(default_factory=dict)

    def colours(self) -> dict[str, str]:
        found = {k: getattr(self, k) for k in COLOUR_KEYS if getattr(self, k) is not None}
        return found | self.variables


@dataclass
class LoadedThemes:
    themes: list[Theme]
    problems: list[str]


def builtin_theme_dirs() -> list[Path]:
    """The packaged themes, and the repository's themes/ when run from a checkout."""
    dirs: list[Path] = []
    packaged = Path(str(files("assist_tui") / "themes"))
    if packaged.is_dir():
        dirs.append(packaged)
    checkout = Path(__file__).resolve().parents[3] / "themes"
    if checkout.is_dir() and checkout not in dirs:
        dirs.append(checkout)
    return dirs


def load_theme_file(path: Path) -> Theme:
    """One theme; raises ValueError with the file and the problem."""
    try:
        spec = ThemeFile.model_validate(tomllib.loads(path.read_text("utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"theme {path.name}: cannot read it ({exc})") from None
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise ValueError(f"theme {path.name}: {where}: {error['msg']}") from None
    for key, value in spec.colours().items():
        try:
            Color.parse(value)
        except ColorParseError:
            raise ValueError(f"theme {path.name}: {key} = {value!r} is not a colour") from None
    return Theme(
        name=spec.name,
        dark=spec.dark,
        variables=spec.variables,
        **{key: getattr(spec, key) for key in COLOUR_KEYS},
    )


def load_themes(user_dir: Path | None) -> LoadedThemes:
    """Built-in themes first, then the user's (a user theme may replace a built-in)."""
    by_name: dict[str, Theme] = {}
    problems: list[str] = []
    dirs = builtin_theme_dirs() + ([user_dir] if user_dir and user_dir.is_dir() else [])
    for directory in dirs:
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            by_name[theme.name] = theme
    return LoadedThemes(list(by_name.values()), problems)
