"""The audit trail, read-only: one scheme's (its leads, site admins) or everything (site
admins), newest first, 50 events a page, filtered by action and by who did it, and as a
CSV download that is itself recorded.

Scheme pages follow every scheme view: scoped lookup (404 to people with no role in the
scheme) → permission (403 to its facilitators, researchers and participants).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from revmentor.core import presenters, selectors, services
from revmentor.core.forms import AuditFilterForm
from revmentor.core.http import AuthedRequest
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.models import Scheme

PER_PAGE = 50
READ_SCHEME = "core.read_scheme_audit_trail"
READ_ALL = "core.read_audit_trail"
MANAGE = "schemes.manage_scheme"


def _page(request: AuthedRequest, scheme: Scheme | None) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    filters = form.filters()
    events = selectors.audit_events(scheme=scheme, filters=filters)
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    if scheme is not None:
        names = {scheme.pk: scheme.name}
    else:
        names = selectors.scheme_names(event.scheme_id for event in page.object_list)
    query = {"action": filters.action, "actor": filters.actor_email}
    return render(
        request,
        "core/audit.jinja",
        {
            "page_title": f"Audit trail – {scheme.name}" if scheme else "Audit trail",
            "scheme": scheme,
            "can_manage": scheme is not None and request.user.has_perm(MANAGE, scheme),
            "form": form,
            "filtered": filters.active,
            "page": page,
            "rows": presenters.audit_rows(page.object_list, names),
            "pagination": (
                presenters.pagination(page, query) if page.paginator.num_pages > 1 else None
            ),
            "csv_query": urlencode({k: v for k, v in query.items() if v}),
        },
    )


def _csv(request: AuthedRequest, scheme: Scheme | None) -> StreamingHttpResponse:
    lines = services.audit_trail_export(
        actor=request.user,
        scheme=scheme,
        filters=AuditFilterForm(request.GET).filters(),
        request=request,
    )
    name = f"scheme-{scheme.pk}" if scheme is not None else "all"
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{name}-{stamp}.csv"'
    return response


def scheme_audit(request: AuthedRequest, pk: int) -> HttpResponse:
    """A scheme's audit trail: for its leads and site admins."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, READ_SCHEME)
    return _page(request, scheme)


def scheme_audit_csv(request: AuthedRequest, pk: int) -> StreamingHttpResponse:
    """A scheme's (filtered) audit trail as CSV; the download is recorded."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, READ_SCHEME)
    return _csv(request, scheme)


def site_audit(request: AuthedRequest) -> HttpResponse:
    """Every event of the installation, events of no scheme (sign-ins) included."""
    if not request.user.has_perm(READ_ALL):
        raise PermissionDenied
    return _page(request, None)


def site_audit_csv(request: AuthedRequest) -> StreamingHttpResponse:
    """The installation's (filtered) audit trail as CSV; the download is recorded."""
    if not request.user.has_perm(READ_ALL):
        raise PermissionDenied
    return _csv(request, None)
