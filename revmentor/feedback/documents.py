"""Feedback documents as accessible HTML and as an A4 PDF (WeasyPrint).

A document is built from the group's notes only, so it can name no mentor.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from revmentor.feedback.models import DocumentVersion
from revmentor.schemes.models import Participant


def context(mentee: Participant, version: DocumentVersion) -> dict[str, object]:
    return {
        "mentee": mentee,
        "scheme": mentee.scheme,
        "version": version,
        "sections": [s for s in version.sections if s["text"].strip()],
        "printed": timezone.localdate(),
    }


def html(mentee: Participant, version: DocumentVersion, *, back: str = "", pdf: str = "") -> str:
    """The document as a standalone, printable HTML page (also the PDF's source).

    ``back`` and ``pdf``: links shown above the document on the site (where to go back
    to, and its PDF), never printed; the PDF's source has neither.
    """
    return render_to_string(
        "feedback/document_print.jinja", {**context(mentee, version), "back": back, "pdf": pdf}
    )


def pdf(mentee: Participant, version: DocumentVersion) -> bytes:
    """The document as an A4 PDF, tagged so that a screen reader can read it."""
    from weasyprint import HTML

    result: bytes = HTML(string=html(mentee, version)).write_pdf(pdf_tags=True)
    return result
