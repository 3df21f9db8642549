"""Content analysis of free-text answers (Burnard's inductive method, as in the study).

A scheme has one :class:`Codebook`: its :class:`Code` s (a hierarchy, with descriptions
and :class:`Memo` s) and its setting for blind double coding. Each coder's work is kept
apart: a :class:`Coding` says that one coder applied one code to one answer. A coder
declares their coding finished (:class:`CoderFinish`); with two or more finished, their
agreement is measured and each disagreement is settled by a :class:`Decision`. The final
coding (what Table 1 counts and ``codes.csv`` holds) is derived, never stored twice: see
``coding.selectors.final_coding``.

Codes are never deleted: a rename or a merge keeps the code's row and adds a
:class:`CodeChange`, so the history of the codebook can be read back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from revmentor.questionnaires.models import Answer
from revmentor.schemes.models import Scheme

MAX_NAME = 60
MAX_LABEL = 200
MAX_DESCRIPTION = 2000
MAX_MEMO = 5000


class Codebook(models.Model):
    """The codebook and coding settings of one scheme."""

    scheme = models.OneToOneField(Scheme, on_delete=models.CASCADE, related_name="codebook")
    blind = models.BooleanField(
        "Blind double coding",
        default=True,
        help_text="Each coder sees only their own coding until two coders have finished.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Codebook of scheme {self.scheme_id}"


class Code(models.Model):
    """A theme of the codebook: ``name`` is what ``codes.csv`` holds, ``label`` what people read."""

    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="codes")
    name = models.SlugField(
        "Short name",
        max_length=MAX_NAME,
        help_text="Lower-case letters, numbers, hyphens and underscores, as in codes.csv.",
    )
    label = models.CharField("Label", max_length=MAX_LABEL)
    description = models.TextField(
        "Description",
        max_length=MAX_DESCRIPTION,
        blank=True,
        help_text="When to apply it, and when not.",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("codebook", "name")
        constraints = [
            models.UniqueConstraint(fields=("codebook", "name"), name="code_name_unique"),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="code_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        """Whether the code is in use (not merged into another)."""
        return self.merged_into_id is None


class CodeChange(models.Model):
    """One change to a code, for the codebook's history."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        RENAMED = "renamed", "Renamed"
        EDITED = "edited", "Label or description changed"
        MOVED = "moved", "Moved in the hierarchy"
        MERGED = "merged", "Merged"

    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    before = models.CharField(max_length=300, blank=True)
    after = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("at", "pk")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.before} → {self.after}"


class Memo(models.Model):
    """A researcher's note on a code: what it means, doubts, decisions."""

    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="memos")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=MAX_MEMO)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"Memo on code {self.code_id}"


class Coding(models.Model):
    """One coder applied one code to one free-text answer."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="codings")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("answer", "code", "coder"), name="coding_once_per_coder"
            ),
        ]

    def __str__(self) -> str:
        return f"Code {self.code_id} on answer {self.answer_id} by user {self.coder_id}"


class CoderFinish(models.Model):
    """A coder has finished coding this codebook: their coding is locked and compared."""

    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="finishes")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("finished_at", "pk")
        constraints = [
            models.UniqueConstraint(fields=("codebook", "coder"), name="coder_finishes_once"),
        ]

    def __str__(self) -> str:
        return f"User {self.coder_id} finished codebook {self.codebook_id}"


class Decision(models.Model):
    """How a disagreement was settled: the code applies to the answer in the final coding,
    or not. Also how a final coding imported from a study data folder is kept."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="decisions")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="decisions")
    apply = models.BooleanField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("answer", "code"), name="decision_once_per_answer_code"
            ),
        ]

    def __str__(self) -> str:
        verdict = "applies" if self.apply else "does not apply"
        return f"Code {self.code_id} {verdict} to answer {self.answer_id}"
