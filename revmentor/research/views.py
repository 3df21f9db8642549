"""Research pages: the scheme's Results and the study data folder download; Pooled results.

Lead, researcher and site admin (``schemes.export_research``); mentors and mentees get
403, people with no role in the scheme 404. Pooled results offers only the schemes the
user may export; any other scheme number is "not found" (404 for the download).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from revmentor.analysis.quartiles import QuartileMethod
from revmentor.core.http import AuthedRequest
from revmentor.research import chart_cache, export, formats, presenters, selectors, services
from revmentor.research.forms import PooledForm
from revmentor.research.pooling import PoolingError
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.models import Scheme


def _shown(
    found: selectors.Results, schemes: list[Scheme], quartiles: QuartileMethod
) -> tuple[presenters.Report | None, int]:
    """The report of ``found`` for a page, and how many of its charts are being drawn.

    Charts not drawn yet are drawn by the task worker (ADR 16): the page shows a box in
    each one's place. Drawn here only without a working charts cache, or when the worker
    is late; without a worker the task runs at once, and they are shown.
    """
    if found.results is None or found.study is None:
        return None, 0
    if not chart_cache.STORE.working():
        return presenters.report(found.results, found.study), 0
    report, waiting = presenters.report_kept(found.results, found.study)
    if not waiting:
        return report, 0
    drawing = services.charts_draw_request(schemes=schemes, quartiles=quartiles)
    if drawing == services.Drawing.DRAWN:  # the task ran at once: show them now
        report, waiting = presenters.report_kept(found.results, found.study)
    elif drawing == services.Drawing.LATE:  # the worker is not getting to them
        report, waiting = presenters.report(found.results, found.study), []
    return report, len(waiting)


def results(request: AuthedRequest, pk: int) -> HttpResponse:
    """The scheme's results, live, as the analysis report shows them; quartiles selectable.

    Charts not drawn yet (their data changed) are drawn by the task worker: the page shows
    at once, with a box in each one's place, and its script shows them when drawn.
    """
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.export_research")
    quartiles = presenters.quartile_choice(request.GET.get("quartiles"))
    found = selectors.analysed(scheme, quartiles)
    report, waiting = _shown(found, [scheme], quartiles)
    return render(
        request,
        "research/results.jinja",
        {
            "page_title": f"Results – {scheme.name}",
            "scheme": scheme,
            "report": report,
            "charts_waiting": waiting,
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


def results_report(request: AuthedRequest, pk: int) -> HttpResponse:
    """The report PDF: ask for it (POST), see how it is going, then download it (ADR 16).

    It is made in the background: a scheme of a few hundred people can take longer than
    a request may. The page's script asks again every few seconds while it is on its way.
    """
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.export_research")
    if request.method == "POST":
        quartiles = presenters.quartile_choice(request.POST.get("quartiles"))
        services.report_request(actor=request.user, scheme=scheme, quartiles=quartiles)
        return redirect("schemes:results_report", scheme.pk)
    report = selectors.report_of(scheme)
    status = presenters.report_status(report, timezone.now())
    # Making it again keeps the last report's method unless the Results page chose one.
    asked = request.GET.get("quartiles") or (report.quartiles if report else None)
    quartiles = presenters.quartile_choice(asked)
    return render(
        request,
        "research/report.jinja",
        {
            "page_title": f"Report (PDF) – {scheme.name}",
            "scheme": scheme,
            "status": status,
            "quartiles": quartiles,
            "quartiles_label": presenters.quartile_name(quartiles),
        },
    )


def results_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    """The made report PDF, as ``revmentor analyse --pdf`` prints it; audited.

    Without a made report, the report page, which says where it is.
    """
    scheme = scheme_selectors.scheme_for_action(request.user, pk, "schemes.export_research")
    report = selectors.report_of(scheme, with_content=True)
    if report is None or report.status != report.Status.READY:
        return redirect("schemes:results_report", scheme.pk)
    content = services.report_download(actor=request.user, report=report)
    return _attachment(
        content, "application/pdf", f"revmentor-{export.folder_name(scheme)}-report.pdf"
    )


def pooled_results(request: AuthedRequest) -> HttpResponse:
    """Several schemes' results analysed together: choose two or more, quartiles selectable."""
    schemes = scheme_selectors.schemes_for_research(request.user)
    quartiles = presenters.quartile_choice(request.GET.get("quartiles"))
    form = PooledForm(request.GET or None, schemes=schemes)
    chosen, report, problem, waiting = [], None, None, 0
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data["scheme"]
        try:
            found = selectors.pooled_analysed(chosen, quartiles)
        except PoolingError as exc:
            chosen, problem = [], str(exc)
        else:
            report, waiting = _shown(found, chosen, quartiles)
    return render(
        request,
        "research/pooled.jinja",
        {
            "page_title": "Pooled results",
            "form": form,
            "problem": problem,
            "scheme_items": presenters.scheme_options(list(schemes), form),
            "chosen": chosen,
            **presenters.pooled_choice(chosen),
            "report": report,
            "charts_waiting": waiting,
            "quartiles": quartiles,
            "quartile_options": presenters.quartile_options(quartiles),
        },
    )


def pooled_zip(request: AuthedRequest) -> HttpResponse:
    """The pooled study data folder of the chosen schemes as a zip; audited per scheme.

    A choice the user may not make (a scheme they cannot export, fewer than two) is not
    found; schemes that cannot be pooled go back to the page, which says why.
    """
    form = PooledForm(request.GET, schemes=scheme_selectors.schemes_for_research(request.user))
    if not form.is_valid():
        raise Http404("No such schemes.")
    schemes = form.cleaned_data["scheme"]
    try:
        content = export.pooled_folder_zip(actor=request.user, schemes=schemes)
    except PoolingError:
        return redirect(f"{reverse('pooled_results')}?{request.GET.urlencode()}")
    return _attachment(
        content, "application/zip", f"revmentor-{export.pooled_folder_name(schemes)}.zip"
    )
