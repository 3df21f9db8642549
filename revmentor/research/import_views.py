"""Import a study data folder into a new scheme (for people who may create schemes).

Not about one scheme, so no scoped lookup: the permission is ``schemes.create_scheme``
(403 to everyone else), and the form offers only the organisations where the user may
create a scheme.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from revmentor.analysis.problems import Problem
from revmentor.core.http import AuthedRequest
from revmentor.research import importer
from revmentor.research.import_forms import StudyImportForm
from revmentor.research.unzip import FOLDER_FILES, MAX_UNPACKED_BYTES, MAX_ZIP_BYTES
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.services import ServiceError


def import_study(request: AuthedRequest) -> HttpResponse:
    """Upload a zipped study data folder: every row is checked, then all is imported or
    nothing, and the page lists each problem with its file and row."""
    if not request.user.has_perm("schemes.create_scheme"):
        raise PermissionDenied
    organisations = scheme_selectors.organisations_for_new_scheme(request.user)
    form = StudyImportForm(request.POST or None, request.FILES or None, organisations=organisations)
    problems: list[Problem] = []
    more = 0
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = importer.study_import(
                actor=request.user,
                organisation=data["organisation"],
                name=data["name"],
                specialty=data["specialty"],
                upload=data["file"],
                upload_name=data["file"].name,
            )
        except importer.ImportFailed as failure:
            problems, more = failure.problems, failure.more
        except ServiceError as error:
            problems = [Problem(data["file"].name, None, None, str(error))]
        else:
            messages.success(
                request,
                f"{done.scheme.name} has been created from the study data folder: "
                f"{done.participants} participants and {done.answers} answers",
            )
            return redirect("schemes:detail", done.scheme.pk)
    return render(
        request,
        "research/import.jinja",
        {
            "form": form,
            "problems": problems,
            "more": more,
            "files": FOLDER_FILES,
            "max_zip_mb": MAX_ZIP_BYTES // (1024 * 1024),
            "max_unpacked_mb": MAX_UNPACKED_BYTES // (1024 * 1024),
        },
    )
