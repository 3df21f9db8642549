"""Research pages: the scheme's Results and the study data folder download.

Lead, researcher and site admin (``schemes.export_research``); mentors and mentees get
403, people with no role in the scheme 404.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from revmentor.core.http import AuthedRequest
from revmentor.research import export, presenters, selectors
from revmentor.schemes import selectors as scheme_selectors


def results(request: AuthedRequest, pk: int) -> HttpResponse:
    """The scheme's results, live, as the analysis report shows them; quartiles selectable."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.export_research")
    quartiles = presenters.quartile_choice(request.GET.get("quartiles"))
    found = selectors.analysed(scheme, quartiles)
    report = (
        presenters.report(found.results, found.study)
        if found.results is not None and found.study is not None
        else None
    )
    return render(
        request,
        "research/results.jinja",
        {
            "page_title": f"Results – {scheme.name}",
            "scheme": scheme,
            "report": report,
            "quartiles": quartiles,
            "quartile_options": presenters.quartile_options(quartiles),
        },
    )


def study_zip(request: AuthedRequest, pk: int) -> HttpResponse:
    """The scheme's study data folder as a zip: pseudonymised, recorded as an export."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.export_research")
    content = export.study_folder_zip(actor=request.user, scheme=scheme)
    response = HttpResponse(content, content_type="application/zip")
    name = f"revmentor-{export.folder_name(scheme)}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
