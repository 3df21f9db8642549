"""Production settings pass Django's deployment checks, and send the security headers."""

from __future__ import annotations

import importlib
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from revmentor.schemes.models import Participant
from tests.redis_server import REDIS_URL, needs_redis


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment with the production settings and what they require."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "revmentor.config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "revmentor.example.nhs.uk",
        "REVMENTOR_DATA_DIR": str(tmp_path),
        **extra,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    return env


def test_check_deploy_is_clean_in_production_settings(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_an_app_server_worker_loads_the_views_before_its_first_request_and_freezes_them(
    tmp_path: Path,
) -> None:
    """Gunicorn imports the WSGI module in each worker: the views come with it, and what
    is loaded by then is left out of the garbage collector's later collections."""
    env = _production_env(tmp_path)
    env.pop("DATABASE_URL", None)
    script = (
        "import gc, sys\n"
        "from revmentor.config import wsgi\n"
        "print(gc.get_freeze_count(), len(gc.get_objects()),"
        " 'revmentor.questionnaires.views' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    frozen, collectable, views_loaded = result.stdout.split()
    assert views_loaded == "True"
    # A full collection now walks what the process made since, not what it loaded.
    assert int(frozen) > 100 * max(1, int(collectable))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DJANGO_SECRET_KEY": "short"},
            "DJANGO_SECRET_KEY must be a random string of 50 or more characters",
        ),
        (
            {"DJANGO_SECRET_KEY_FALLBACKS": f"{'o' * 60}, short"},
            "Each of DJANGO_SECRET_KEY_FALLBACKS must be 50 or more characters",
        ),
    ],
)
def test_production_refuses_a_weak_secret_key(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env=_production_env(tmp_path, **env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_earlier_secret_keys_are_read_from_the_environment(tmp_path: Path) -> None:
    out = _settings_of(
        {"DJANGO_SECRET_KEY_FALLBACKS": f"{'o' * 60}, {'p' * 55}"},
        tmp_path,
        "print(settings.SECRET_KEY_FALLBACKS == ['o' * 60, 'p' * 55])",
    )
    assert out == "True"


HOST = "revmentor.example.nhs.uk"
# What the production settings decide about HTTPS, cookies and headers.
_SECURITY_PREFIXES = ("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_")
_SECURITY_NAMES = {"X_FRAME_OPTIONS", "CONTENT_SECURITY_POLICY", "DEBUG", "REVMENTOR_REQUIRE_MFA"}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """The production settings module's security settings, read as a deployment would."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", secrets.token_urlsafe(60))
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", HOST)
    monkeypatch.setenv("REVMENTOR_DATA_DIR", str(tmp_path))
    for name in ("DJANGO_HSTS_SECONDS", "DJANGO_HSTS_PRELOAD", "DJANGO_SECURE_SSL_REDIRECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delitem(sys.modules, "revmentor.config.settings.production", raising=False)
    module = importlib.import_module("revmentor.config.settings.production")
    monkeypatch.delitem(sys.modules, "revmentor.config.settings.production")
    found = {
        name: getattr(module, name)
        for name in dir(module)
        if name.startswith(_SECURITY_PREFIXES) or name in _SECURITY_NAMES
    }
    return {**found, "ALLOWED_HOSTS": [HOST]}


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sorted(values) for name, *values in parts}


def test_production_responses_carry_the_security_headers(
    production: dict[str, Any], mentor: Participant
) -> None:
    cache.clear()
    with override_settings(**production):
        client = Client(HTTP_HOST=HOST)
        # Plain HTTP is sent to HTTPS.
        response = client.get("/accounts/login/")
        assert response.status_code == 301
        assert response["Location"] == f"https://{HOST}/accounts/login/"

        response = client.get("/accounts/login/", secure=True)
        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]

        policy = _directives(response["Content-Security-Policy"])
        nonce = re.search(r"<script nonce=\"([^\"]+)\">", response.content.decode())
        assert nonce, "the NHS.UK template's inline script carries the nonce"
        assert policy == {
            "default-src": ["'self'"],
            "script-src": sorted(["'self'", f"'nonce-{nonce.group(1)}'"]),
            "style-src": sorted(["'self'", f"'nonce-{nonce.group(1)}'"]),
            "img-src": ["'self'", "data:"],
            "font-src": ["'self'", "https://assets.nhs.uk"],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
        }
        csrf = response.cookies["csrftoken"]
        assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"

        response = client.post(
            "/accounts/login/",
            {"login": mentor.user.email, "password": "a-long-test-password"},
            secure=True,
        )
        assert response.status_code == 302
        session = response.cookies["sessionid"]
        assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
        assert session["max-age"] == ""  # ends when the browser closes (no "remember me")
    cache.clear()


def _settings_of(env_extra: dict[str, str], tmp_path: Path, script: str) -> str:
    """Run ``script`` under the production settings with ``env_extra``; return its output."""
    env = _production_env(tmp_path, **env_extra)
    prelude = "import django; django.setup(); from django.conf import settings\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + script],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@needs_redis
def test_with_redis_the_cache_is_there_and_sessions_are_read_from_it(tmp_path: Path) -> None:
    prefix = f"revmentor-test-{secrets.token_hex(4)}"
    out = _settings_of(
        {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": prefix},
        tmp_path,
        "from django.core.cache import cache, caches\n"
        "cache.set('probe', 'kept', 30)\n"
        "print(settings.SESSION_ENGINE, type(caches['default']).__module__,"
        " cache.get('probe'),"
        " cache.make_key('probe'))\n"
        "cache.delete('probe')\n",
    )
    assert out == (
        f"django.contrib.sessions.backends.cached_db revmentor.core.cache kept {prefix}:1:probe"
    )


def test_without_redis_sessions_and_the_cache_are_in_the_database(tmp_path: Path) -> None:
    out = _settings_of(
        {"REDIS_URL": ""},
        tmp_path,
        "print(settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND'])",
    )
    assert out == (
        "django.contrib.sessions.backends.db django.core.cache.backends.db.DatabaseCache"
    )


@pytest.mark.parametrize(("prepared", "threshold"), [("", "5"), ("false", "None")])
def test_postgresql_binds_on_the_server_and_prepares_unless_told_not_to(
    tmp_path: Path, prepared: str, threshold: str
) -> None:
    env = {"DATABASE_URL": "postgres://revmentor@db.internal:5432/revmentor"}
    if prepared:
        env["DATABASE_PREPARED_STATEMENTS"] = prepared
    out = _settings_of(
        env,
        tmp_path,
        "options = settings.DATABASES['default']['OPTIONS']\n"
        "print(options['server_side_binding'], options['prepare_threshold'])",
    )
    assert out == f"True {threshold}"
