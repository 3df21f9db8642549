"""The Jinja2 environment: our templates first, then the NHS.UK frontend macros."""

from __future__ import annotations

import threading
from collections import ChainMap
from collections.abc import Callable, Hashable, MutableMapping
from functools import lru_cache
from typing import Any

from allauth.core import context as allauth_context
from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static as django_static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    PackageLoader,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context, Macro, Undefined
from markupsafe import Markup, escape

from revmentor.core.session_time import WARN_BEFORE, seconds_left
from revmentor.core.signed_out import kept_for_field


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """Reverse a URL name in a template: ``url("schemes:detail", scheme.pk)``.

    Each answer is kept (by name, arguments, script prefix and URLconf): a page reverses
    several, and Django takes tens of microseconds for each.
    """
    return _reversed(name, args, tuple(sorted(kwargs.items())), get_script_prefix(), get_urlconf())


@lru_cache(maxsize=4096)
def _reversed(
    name: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    _prefix: str,
    urlconf: str | None,
) -> str:
    return reverse(name, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


@lru_cache(maxsize=256)
def static(path: str) -> str:
    """The URL of a static file (``static("revmentor/app.css")``), kept once worked out.

    Under the production storage each is looked up in the manifest of hashed names,
    fixed for the life of the process.
    """
    return django_static(path)


@receiver(setting_changed)
def _forget_urls(*, setting: str, **_kwargs: Any) -> None:
    """Tests that change the URLs or static files settings see their change."""
    if setting in {"ROOT_URLCONF", "STATIC_URL", "STORAGES"}:
        _reversed.cache_clear()
        static.cache_clear()


class _Once:
    """A lazy value worked out at its first use and kept for the rest of a page.

    Django's ``csrf_input`` masks the CSRF token afresh at every use (tens of
    microseconds); a page with the header's sign-out form and a form of its own uses it
    twice. ``layout.jinja`` wraps it in this once per page.
    """

    __slots__ = ("_lazy", "_value")

    def __init__(self, lazy: Any) -> None:
        self._lazy: Any = lazy
        self._value: Markup | None = None

    def __html__(self) -> Markup:
        if self._value is None:
            self._value = escape(self._lazy)  # Django's lazy SafeString: kept as it is
        return self._value

    def __str__(self) -> str:
        return str(self.__html__())


class _Globals(ChainMap[str, Any]):
    """A template's globals, whose keys are a set.

    Jinja compares a template's globals with the page's at every ``{% from … import %}``
    (``Template._get_default_module``), through ``keys()``: a ChainMap's keys view makes
    that a Python loop over both maps, about 20 microseconds an import, a dozen imports
    a page.
    """

    def keys(self) -> set[str]:  # type: ignore[override]
        return set().union(*self.maps)


class _Environment(Environment):
    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return _Globals({} if d is None else d, self.globals)


@pass_context
def csp_nonce(context: Context) -> str:
    """This response's Content-Security-Policy nonce, or "" outside a request.

    Reading it is what puts the nonce into the header (django-csp adds it only when
    used). Macros imported without context and pages rendered with ``render_to_string``
    find the request through allauth's request context (set by its middleware); emails
    and PDFs rendered outside a request get "" and need none.
    """
    request = context.get("request") or allauth_context.request
    nonce = getattr(request, "csp_nonce", None)
    return str(nonce) if nonce is not None else ""


def _date(value: Any, fmt: str = "%-d %B %Y") -> str:
    """Format a date or datetime the NHS way (``4 March 2026``), in local time."""
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return str(value.strftime(fmt))


class _Unkeyable(Exception):
    """A value that cannot stand for itself in a cache key (a form field, a lazy string)."""


def _key(value: Any) -> Hashable:
    """A hashable value that is equal for two values only if a macro cannot tell them apart.

    Types count: ``Markup`` is not escaped again and a string is, ``True`` is not ``1``;
    so do a mapping's order (attributes are written in it) and its values.
    """
    kind = type(value)
    if kind is str:
        return value
    if kind is Markup:
        return (Markup, str(value))
    if value is None or kind in (bool, int, float):
        return (kind, value)
    if kind is dict:
        return (dict, *((_key(k), _key(v)) for k, v in value.items()))
    if kind in (list, tuple):
        return (kind, *(_key(v) for v in value))
    if isinstance(value, Undefined):
        return (kind,)
    raise _Unkeyable(kind)


# Keyed by (macro, params) for memo, or by (memo_by, key) for memo_by.
_MEMO: dict[tuple[Callable[..., str], Hashable], str] = {}
_MEMO_MAX = 4096
_MEMO_LOCK = threading.Lock()


def memo(macro: Macro, params: Any) -> str:
    """Call an NHS.UK component macro with ``params``, reusing its output for equal params.

    For the macros pages call many times with the same few params, such as the radios of
    a questionnaire grid (seven domains, five answers each): rendering one through the
    component templates takes about a millisecond, looking it up microseconds. Only for
    macros whose output depends on their params alone — the NHS.UK components, imported
    without context, are — and never with a ``call`` block. Params holding anything but
    strings, numbers, booleans, None, undefined, lists and dicts are rendered every time.
    At most ``_MEMO_MAX`` outputs are kept per process, the oldest dropped first.
    """
    try:
        key = (macro, _key(params))
    except _Unkeyable:
        return macro(params)
    return _remembered(key, macro, params)


def _remembered(
    key: tuple[Callable[..., str], Hashable], macro: Callable[..., str], *args: Any
) -> str:
    found = _MEMO.get(key)
    if found is None:
        found = macro(*args)
        with _MEMO_LOCK:
            if len(_MEMO) >= _MEMO_MAX:
                _MEMO.pop(next(iter(_MEMO)), None)
            _MEMO[key] = found
    return found


def memo_by(key: Hashable | None, macro: Callable[..., str], *args: Any) -> str:
    """Call ``macro(*args)``, reusing its output for an equal ``key``; None: render afresh.

    Only ``key`` counts, so it must decide the output fully, the macro included: one
    question of a questionnaire page (``Question.memo_key``: its item, value, error and
    those of its rows and dependants), or the header (``layout.jinja``: whose it is and
    which tab is current), whose macro is the page's own and new at every render. Same
    store, bound and rules as :func:`memo`.
    """
    if key is None:
        return macro(*args)
    return _remembered((memo_by, key), macro, *args)


def environment(**options: Any) -> Environment:
    """Build the environment Django's Jinja2 backend uses for every page."""
    loader = options.pop("loader")
    options.setdefault("extensions", []).append("jinja2.ext.do")
    # Pages escape everything; plain-text emails (``.txt``) must not.
    options["autoescape"] = select_autoescape(disabled_extensions=("txt",), default=True)
    # The NHS.UK macros read nested options that may be absent (``params.hint.text``),
    # as Nunjucks allows; ChainableUndefined gives them the same behaviour.
    options["undefined"] = ChainableUndefined
    env = _Environment(  # autoescape is set in options above
        loader=ChoiceLoader([loader, PackageLoader("nhsuk_frontend_jinja")]),
        trim_blocks=True,
        lstrip_blocks=True,
        **options,
    )
    env.globals.update(
        {
            "static": static,
            "url": url,
            "csp_nonce": csp_nonce,
            "memo": memo,
            "memo_by": memo_by,
            "once": _Once,
            "get_messages": get_messages,
            "kept_for_field": kept_for_field,
            "session_seconds_left": seconds_left,
            "session_warn_before": WARN_BEFORE,
            "undefined": ChainableUndefined(name="undefined"),
        }
    )
    env.filters["date"] = _date
    env.filters["datetime"] = lambda value: _date(value, "%-d %B %Y at %H:%M")
    return env
