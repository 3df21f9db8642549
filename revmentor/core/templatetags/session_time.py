"""``{% session_timeout %}``: the warning before a sign-in runs out, for Django's templates.

Our pages are Jinja2 and their layout includes ``_session_timeout.jinja``; the Django
admin's pages are Django templates, and this tag renders the same dialog into them
(``templates/django/admin/base_site.html``), so a site admin is warned as everyone else is
(WCAG 2.2 "Timing adjustable").
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from revmentor.core.session_time import seconds_left

register = template.Library()


@register.simple_tag(takes_context=True)
def session_timeout(context: dict[str, Any]) -> SafeString:
    """The dialog for the signed-in person of ``context["request"]``; nothing signed out."""
    request = context.get("request")
    left = seconds_left(request) if request is not None else None
    if left is None:
        return SafeString("")
    html = render_to_string("_session_timeout.jinja", {"session_left": left}, request=request)
    # Our own template, rendered by the autoescaping Jinja2 environment.
    return mark_safe(html)  # noqa: S308  # nosec B308 B703
