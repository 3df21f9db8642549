"""The Jinja2 environment: our templates first, then the NHS.UK frontend macros."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any

from allauth.core import context as allauth_context
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
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
from markupsafe import Markup


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """Reverse a URL name in a template: ``url("schemes:detail", scheme.pk)``."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


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


_MEMO: dict[tuple[Macro, Hashable], str] = {}
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


def _remembered(key: tuple[Macro, Hashable], macro: Macro, *args: Any) -> str:
    found = _MEMO.get(key)
    if found is None:
        found = macro(*args)
        with _MEMO_LOCK:
            if len(_MEMO) >= _MEMO_MAX:
                _MEMO.pop(next(iter(_MEMO)), None)
            _MEMO[key] = found
    return found


def memo_by(key: Hashable | None, macro: Macro, *args: Any) -> str:
    """Call ``macro(*args)``, reusing its output for an equal ``key``; None: render afresh.

    For a macro of ours whose output ``key`` fully decides, such as one question of a
    questionnaire page (``Question.memo_key``: its item, value, error and those of its
    rows and dependants). Same store, bound and rules as :func:`memo`.
    """
    if key is None:
        return macro(*args)
    return _remembered((macro, ("memo_by", key)), macro, *args)


def environment(**options: Any) -> Environment:
    """Build the environment Django's Jinja2 backend uses for every page."""
    loader = options.pop("loader")
    options.setdefault("extensions", []).append("jinja2.ext.do")
    # Pages escape everything; plain-text emails (``.txt``) must not.
    options["autoescape"] = select_autoescape(disabled_extensions=("txt",), default=True)
    # The NHS.UK macros read nested options that may be absent (``params.hint.text``),
    # as Nunjucks allows; ChainableUndefined gives them the same behaviour.
    options["undefined"] = ChainableUndefined
    env = Environment(  # noqa: S701 (autoescape is set in options above)  # nosec B701
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
            "get_messages": get_messages,
            "undefined": ChainableUndefined(name="undefined"),
        }
    )
    env.filters["date"] = _date
    env.filters["datetime"] = lambda value: _date(value, "%-d %B %Y at %H:%M")
    return env
