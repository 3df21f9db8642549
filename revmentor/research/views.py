"""Research pages: the scheme's Results and the study data folder download.

Lead, researcher and site admin (``schemes.export_research``); mentors and mentees get
403, people with no role in the scheme 404.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from revmentor.core.http import AuthedRequest
from revmentor.research import export, formats, presenters, selectors
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


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def results_xlsx(request: AuthedRequest, pk: int) -> HttpResponse:
    """The study data folder and results as an Excel workbook: pseudonymised, audited."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.export_research")
    quartiles = presenters.quartile_choice(request.GET.get("quartiles"))
    content = formats.workbook(actor=request.user, scheme=scheme, quartiles=quartiles)
    return _attachment(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"revmentor-{export.folder_name(scheme)}.xlsx",
    )


def results_sav(request: AuthedRequest, pk: int) -> HttpResponse:
    """The study data, one row per participant, as an SPSS file: pseudonymised, audited."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.export_research")
    content = formats.spss(actor=request.user, scheme=scheme)
    return _attachment(
        content, "application/x-spss-sav", f"revmentor-{export.folder_name(scheme)}.sav"
    )


def results_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    """The analysis report as PDF, as ``revmentor analyse --pdf`` prints it; audited."""
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.export_research")
    quartiles = presenters.quartile_choice(request.GET.get("quartiles"))
    content = formats.report_pdf(actor=request.user, scheme=scheme, quartiles=quartiles)
    return _attachment(
        content, "application/pdf", f"revmentor-{export.folder_name(scheme)}-report.pdf"
    )
