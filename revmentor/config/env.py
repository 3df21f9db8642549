"""Typed readers for environment variables that fail loudly.

Only ``config/settings/base.py`` calls these. Each reader names the variable in its
error, says what was wrong and what a good value looks like, so a mistyped deployment
stops at start-up instead of misbehaving later.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A variable is missing or malformed; the message says which and how to fix it."""


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    source = os.environ if environ is None else environ
    return source.get(name)


def env_str(
    name: str, default: str | None = None, *, environ: Mapping[str, str] | None = None
) -> str:
    """Return the variable as a string; raise if it is unset and there is no default."""
    value = _raw(name, environ)
    if value is None:
        if default is None:
            raise ConfigError(f"Set the environment variable {name}: it is required.")
        return default
    return value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    """Return the variable as a boolean (1/true/yes/on or 0/false/no/off)."""
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(
        f"{name}={value!r} is not a boolean: use one of 1, true, yes, on, 0, false, no, off."
    )


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Return the variable as an integer within ``[minimum, maximum]`` when given."""
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name}={number} is too small: use {minimum} or more.")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{name}={number} is too large: use {maximum} or less.")
    return number


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> list[str]:
    """Return a comma-separated variable as a list of non-empty, stripped strings."""
    value = _raw(name, environ)
    if value is None:
        return list(default)
    return [part.strip() for part in value.split(",") if part.strip()]


def env_path(name: str, default: Path, *, environ: Mapping[str, str] | None = None) -> Path:
    """Return the variable as an absolute path (relative paths are taken from the cwd)."""
    value = _raw(name, environ)
    path = default if value is None or not value.strip() else Path(value.strip())
    return path.expanduser().resolve()
