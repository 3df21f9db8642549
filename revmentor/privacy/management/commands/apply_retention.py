"""``revmentor manage apply_retention``: apply every passed retention date now, and
delete report PDFs past their day."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from revmentor.privacy import retention
from revmentor.research import services as research_services


class Command(BaseCommand):
    help = (
        "Delete transcripts and participants' identifiers of every scheme whose retention "
        "date has passed (pseudonymised research data stay where consent allows), and report "
        "PDFs made more than a day ago. Safe to run daily from cron: a scheme already done "
        "is left alone."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        reports = research_services.reports_expired_delete()
        self.stdout.write(f"Report PDFs older than a day deleted: {reports}.")
        results = retention.apply_due_retention()
        for result in results:
            self.stdout.write(
                f"Scheme {result.scheme_id}: "
                + ("transcript deleted; " if result.transcript_deleted else "")
                + f"{result.erased} participants erased ({result.stubs} kept as stubs)"
            )
        self.stdout.write(f"Retention applied to {len(results)} schemes.")
