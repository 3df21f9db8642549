"""Hostile input for the security tests: payloads, hypothesis strategies, DB snapshots.

A form field's value is drawn from arbitrary text (any Unicode but lone surrogates,
which no browser can send), control characters and NULs, huge strings, numbers out of
range or in the wrong form, and known attack strings; a field may be missing, sent
twice, or joined by fields nobody asked for.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.messages import constants
from django.db import connection
from django.http import HttpResponse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from revmentor.core.models import AuditEvent

XSS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}",
    "{% raw %}{{ 7*7 }}{% endraw %}",
)
FORMULAS = ("=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-1+1", "=1+1", "\t=1+1", "\r=1+1")
NUMBERS = ("0", "-1", "1", "5", "6", "99", "101", "2147483648", "9" * 40, "1e309", "NaN", "0x10")
NUMBERS += ("1.5", "-0", "٣", "３", "²", "--5", "-", " 7 ", "", "9" * 5000)
DATES = ("2027-03-15", "15 3 2027", "31/02/2027", "0001-01-01", "9999-12-31", "2027-13-45")
DATES += ("31", "02", "29", "13", "0", "Feb", "september", "sept.", "2027", "0000", "27")
DATES += ("15:30", "00:00", "23:59", "24:00", "99.99", "2330")
SPECIAL = ("\x00", "a\x00b", "\r\n", "\u202e", "\ufeff", "💥" * 50, "yes", "no", "on", "1")

#: Bounded so that a whole module of these runs in well under a minute.
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples on every run: CI never fails by chance
    database=None,
)

characters = st.characters(exclude_categories=("Cs",))
hostile_text = st.one_of(
    st.text(characters, max_size=40),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=10),
    st.sampled_from(XSS + FORMULAS + NUMBERS + DATES + SPECIAL),
    st.builds(
        lambda s, n: s * n, st.sampled_from(["x", "é", "<b>", "\x00"]), st.integers(1, 70_000)
    ),
)
value = st.one_of(hostile_text, st.lists(hostile_text, min_size=2, max_size=3))


def form(
    fields: list[str], fixed: dict[str, Any] | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Data for a form: each of ``fields`` missing or hostile (or sent twice), plus extras.

    ``fixed`` fields are sent as given (the button pressed, say), or left out sometimes.
    """
    known = st.fixed_dictionaries({}, optional={name: value for name in fields})
    extra = st.dictionaries(st.text(characters, min_size=1, max_size=12), hostile_text, max_size=2)
    chosen = st.fixed_dictionaries({}, optional=dict(fixed or {})) if fixed else st.just({})
    return st.builds(lambda a, b, c: {**b, **a, **c}, known, extra, chosen)


def fixed(mapping: dict[str, Any]) -> dict[str, st.SearchStrategy[Any]]:
    """``fixed`` argument of :func:`form`: each value itself, or sometimes a hostile one."""
    return {k: st.one_of(st.just(v), hostile_text) for k, v in mapping.items()}


#: Stored by django-allauth for our users: email addresses and second factors.
ALLAUTH_APPS = ("allauth.account", "allauth.mfa")


def _models() -> list[Any]:
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("revmentor.") or config.name in ALLAUTH_APPS
        for model in config.get_models(include_auto_created=True)
        if model is not AuditEvent
    ]


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the project stores, to tell whether a request changed anything.

    Our tables and the addresses and second factors allauth keeps for our users. Raw SQL,
    one query a table, so that it is cheap enough to take around every request.
    Audit events that record reading (views, sign-ins) are left out: reading a page is
    not a write; nor is ``last_login``, which signing in sets.
    """
    state: dict[str, list[tuple[Any, ...]]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in _models():
            meta = model._meta
            columns = [f.column for f in meta.concrete_fields if f.attname != "last_login"]
            cursor.execute(
                f"SELECT {', '.join(map(quote, columns))} FROM {quote(meta.db_table)} "  # noqa: S608
                f"ORDER BY {quote(meta.pk.column)}"
            )
            state[meta.label] = cursor.fetchall()
    state["audit"] = list(
        AuditEvent.objects.exclude(
            action__in=[AuditEvent.Action.VIEW, AuditEvent.Action.SIGN_IN]
        ).values_list("pk", "action", "summary")
    )
    return state


def error_messages(response: HttpResponse) -> list[str]:
    """The error messages the request queued for the next page (a refused action)."""
    storage = getattr(response.wsgi_request, "_messages", None)  # type: ignore[attr-defined]
    queued = getattr(storage, "_queued_messages", [])
    return [str(m) for m in queued if m.level == constants.ERROR]


def refused(response: HttpResponse) -> bool:
    """Whether the response refuses the request: an error status, a form shown again with
    its errors (200 to a POST), or a redirect carrying an error message."""
    if response.status_code in (400, 403, 404, 405, 413, 429):
        return True
    if response.status_code == 200:
        return True
    return response.status_code == 302 and bool(error_messages(response))
