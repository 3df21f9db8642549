from __future__ import annotations

from pathlib import Path

import pytest

from revmentor.config.env import ConfigError, env_bool, env_int, env_list, env_path, env_str


def test_required_string_fails_loudly_with_its_name() -> None:
    with pytest.raises(ConfigError, match="DJANGO_SECRET_KEY"):
        env_str("DJANGO_SECRET_KEY", environ={})
    assert env_str("X", "fallback", environ={}) == "fallback"


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("Yes", True), ("off", False), ("", False)]
)
def test_booleans(raw: str, expected: bool) -> None:
    assert env_bool("FLAG", not expected, environ={"FLAG": raw}) is expected


def test_a_malformed_boolean_says_what_is_allowed() -> None:
    with pytest.raises(ConfigError, match="DJANGO_DEBUG='maybe' is not a boolean"):
        env_bool("DJANGO_DEBUG", False, environ={"DJANGO_DEBUG": "maybe"})


def test_integers_are_checked_for_form_and_range() -> None:
    assert env_int("PORT", 25, environ={"PORT": " 587 "}) == 587
    with pytest.raises(ConfigError, match="not a whole number"):
        env_int("PORT", 25, environ={"PORT": "smtp"})
    with pytest.raises(ConfigError, match="use 65535 or less"):
        env_int("PORT", 25, maximum=65535, environ={"PORT": "70000"})


def test_lists_and_paths() -> None:
    assert env_list("HOSTS", [], environ={"HOSTS": "a.nhs.uk, b.nhs.uk,,"}) == [
        "a.nhs.uk",
        "b.nhs.uk",
    ]
    assert env_path("DIR", Path("/tmp/x"), environ={}) == Path("/tmp/x").resolve()


def test_production_settings_refuse_a_missing_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    sys.modules.pop("revmentor.config.settings.production", None)
    with pytest.raises(ConfigError, match="DJANGO_SECRET_KEY"):
        importlib.import_module("revmentor.config.settings.production")
