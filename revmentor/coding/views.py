"""Pages of the coding workspace: the grid of answers, the codebook, agreement.

Lead, researcher and site admin of the scheme (``schemes.export_research``); mentors
and mentees get 403, people with no role in the scheme 404. Answers are shown under
research IDs only; each page of answers shown is recorded in the audit trail.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse

from revmentor.coding import presenters, selectors, services
from revmentor.coding.forms import CodeForm, FilterForm, MemoForm, MergeForm
from revmentor.coding.models import Codebook
from revmentor.core import audit
from revmentor.core.http import AuthedRequest
from revmentor.core.models import AuditEvent
from revmentor.schemes import selectors as scheme_selectors
from revmentor.schemes.models import Scheme

PERM = "schemes.export_research"


def _codebook(request: AuthedRequest, pk: int) -> tuple[Scheme, Codebook]:
    scheme = scheme_selectors.scheme_for_action(request.user, pk, PERM)
    return scheme, selectors.codebook_of(scheme)


def _not_allowed() -> HttpResponse:
    """405 for a GET of a POST-only action, after the lookup (outsiders still get 404)."""
    return HttpResponse(status=405, headers={"Allow": "POST"})


def _ints(values: list[str]) -> list[int]:
    """Parse primary keys sent by the page; ValueError for anything else."""
    return [int(v) for v in values]


def workspace(request: AuthedRequest, pk: int) -> HttpResponse:
    """The grid of free-text answers, filterable; the viewer codes the answers shown."""
    scheme, codebook = _codebook(request, pk)
    answers = selectors.free_text_answers(scheme)
    codes = selectors.codes_of(codebook)
    state = selectors.coder_state(codebook)
    if request.method == "POST":
        try:
            shown = _ints(request.POST.getlist("answer"))
            chosen = {a: _ints(request.POST.getlist(f"code-{a}")) for a in shown}
            changed = services.codings_save(actor=request.user, codebook=codebook, chosen=chosen)
        except ValueError:
            messages.error(request, "The page sent something unexpected: reload it and try again.")
        except services.CodingError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"Saved your coding of {len(shown)} answers ({changed} changes)."
            )
        next_query = request.POST.get("query", "")
        return HttpResponseRedirect(f"{request.path}?{next_query}" if next_query else request.path)

    filters = FilterForm(
        request.GET or None,
        stages=presenters.stage_choices(answers),
        items=presenters.item_choices(answers),
    )
    chosen_filters = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    mine = None
    if chosen_filters.get("show") == "uncoded":
        coded = selectors.codings_of(codebook, [a.answer_id for a in answers])
        mine = {a for a, by in coded.items() if by.get(request.user.pk)}
    visible = presenters.filtered(
        answers,
        role=chosen_filters.get("role", ""),
        stage=chosen_filters.get("stage", ""),
        item=chosen_filters.get("item", ""),
        uncoded_by_me=mine,
    )
    page = Paginator(visible, presenters.PAGE_SIZE).get_page(request.GET.get("page"))
    on_page = list(page.object_list)
    rows = presenters.grid_rows(
        on_page,
        selectors.codings_of(codebook, [a.answer_id for a in on_page]),
        viewer=request.user,
        coders=state.coders,
        codes=codes,
        show_others=selectors.may_see_others(codebook, state),
    )
    if on_page:
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.VIEW,
            obj=codebook,
            summary=f"Viewed {len(on_page)} free-text answers for coding (page {page.number})",
            scheme_id=scheme.pk,
            request=request,
        )
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "coding/workspace.jinja",
        {
            "page_title": f"Coding – {scheme.name}",
            "scheme": scheme,
            "codebook": codebook,
            "codes": codes,
            "rows": rows,
            "page": page,
            "total": len(answers),
            "filters": filters,
            "query": urlencode(query),
            "state": state,
            "finished": state.has_finished(request.user),
            "show_others": selectors.may_see_others(codebook, state),
            "coder_name": presenters.coder_name,
        },
    )


def codebook_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """The codebook: every code in its hierarchy, and a form to add one."""
    scheme, codebook = _codebook(request, pk)
    codes = selectors.codes_of(codebook)
    form = CodeForm(request.POST or None, rows=codes)
    if request.method == "POST" and form.is_valid():
        try:
            code = services.code_create(
                actor=request.user,
                codebook=codebook,
                name=form.cleaned_data["name"],
                label=form.cleaned_data["label"],
                description=form.cleaned_data["description"],
                parent=form.parent_code(),
            )
        except services.CodingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Added the code '{code.label}'.")
            return redirect("schemes:coding_codebook", scheme.pk)
    return render(
        request,
        "coding/codebook.jinja",
        {
            "page_title": f"Codebook – {scheme.name}",
            "scheme": scheme,
            "codebook": codebook,
            "codes": codes,
            "form": form,
            "state": selectors.coder_state(codebook),
            "coder_name": presenters.coder_name,
        },
    )


def code_page(request: AuthedRequest, pk: int, code_pk: int) -> HttpResponse:
    """One code: change it (rename, describe, move), its history, memos, merge."""
    scheme, codebook = _codebook(request, pk)
    code = selectors.code_in(codebook, code_pk)
    codes = selectors.codes_of(codebook)
    below = selectors.descendants(codebook, code) | {code.pk}
    initial = {
        "name": code.name,
        "label": code.label,
        "description": code.description,
        "parent": str(code.parent_id or ""),
    }
    form = CodeForm(request.POST or None, initial=initial, rows=codes, exclude=frozenset(below))
    if request.method == "POST" and form.is_valid():
        try:
            services.code_update(
                actor=request.user,
                code=code,
                name=form.cleaned_data["name"],
                label=form.cleaned_data["label"],
                description=form.cleaned_data["description"],
                parent=form.parent_code(),
            )
        except services.CodingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved the code '{code.label}'.")
            return redirect("schemes:coding_code", scheme.pk, code.pk)
    return render(
        request,
        "coding/code.jinja",
        {
            "page_title": f"Code {code.name} – {scheme.name}",
            "scheme": scheme,
            "code": code,
            "form": form,
            "merge_form": MergeForm(rows=codes, code=code),
            "memo_form": MemoForm(),
            "history": list(code.history.select_related("actor")),
            "memos": list(code.memos.select_related("author")),
            "coder_name": presenters.coder_name,
        },
    )


def code_merge(request: AuthedRequest, pk: int, code_pk: int) -> HttpResponse:
    """Merge a code into another; its codings move, its history stays."""
    scheme, codebook = _codebook(request, pk)
    code = selectors.code_in(codebook, code_pk)
    if request.method != "POST":
        return _not_allowed()
    form = MergeForm(request.POST, rows=selectors.codes_of(codebook), code=code)
    if not form.is_valid():
        messages.error(request, "Choose the code to merge into.")
        return redirect("schemes:coding_code", scheme.pk, code.pk)
    try:
        into = services.code_merge(actor=request.user, code=code, into=form.target())
    except services.CodingError as error:
        messages.error(request, str(error))
        return redirect("schemes:coding_code", scheme.pk, code.pk)
    messages.success(request, f"Merged '{code.label}' into '{into.label}'.")
    return redirect("schemes:coding_code", scheme.pk, into.pk)


def code_memo(request: AuthedRequest, pk: int, code_pk: int) -> HttpResponse:
    """Add a memo to a code."""
    scheme, codebook = _codebook(request, pk)
    code = selectors.code_in(codebook, code_pk)
    if request.method != "POST":
        return _not_allowed()
    form = MemoForm(request.POST)
    if form.is_valid():
        try:
            services.memo_add(actor=request.user, code=code, text=form.cleaned_data["text"])
        except services.CodingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Added your memo.")
    else:
        messages.error(request, " ".join(str(e) for e in form.errors.get("text", [])))
    return redirect("schemes:coding_code", scheme.pk, code.pk)


def _post_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    scheme, codebook = _codebook(request, pk)
    if request.method != "POST":
        return _not_allowed()
    try:
        if action == "finish":
            services.coding_finish(actor=request.user, codebook=codebook)
            done = "You have finished coding. Your coding is locked."
        elif action == "reopen":
            services.coding_reopen(actor=request.user, codebook=codebook)
            done = "Your coding is open again."
        else:
            blind = request.POST.get("blind") == "on"
            services.blind_set(actor=request.user, codebook=codebook, blind=blind)
            done = f"Blind double coding is {'on' if blind else 'off'}."
    except services.CodingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    target = "schemes:coding_agreement" if action == "finish" else "schemes:coding"
    return redirect(target, scheme.pk)


def finish(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark the viewer's coding finished (POST)."""
    return _post_action(request, pk, "finish")


def reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    """Reopen the viewer's finished coding while it has not been compared (POST)."""
    return _post_action(request, pk, "reopen")


def blind(request: AuthedRequest, pk: int) -> HttpResponse:
    """Turn blind double coding on or off (POST)."""
    return _post_action(request, pk, "blind")


def agreement(request: AuthedRequest, pk: int) -> HttpResponse:
    """Agreement between the finished coders, and every disagreement to settle."""
    scheme, codebook = _codebook(request, pk)
    answers = selectors.free_text_answers(scheme)
    state = selectors.coder_state(codebook)
    found = selectors.agreement(codebook, answers)
    final = selectors.final_coding(codebook, [a.answer_id for a in answers])
    if found is not None and found.disagreements:
        audit.record(
            actor=request.user,
            action=AuditEvent.Action.VIEW,
            obj=codebook,
            summary=f"Viewed {len(found.disagreements)} coding disagreements",
            scheme_id=scheme.pk,
            request=request,
        )
    return render(
        request,
        "coding/agreement.jinja",
        {
            "page_title": f"Agreement – {scheme.name}",
            "scheme": scheme,
            "codebook": codebook,
            "state": state,
            "agreement": found,
            "final": final,
            "note": presenters.agreement_note(found) if found else "",
            "fmt": presenters.fmt,
            "coder_name": presenters.coder_name,
        },
    )


def decide(request: AuthedRequest, pk: int) -> HttpResponse:
    """Settle one disagreement: the code applies to the answer, or not (POST)."""
    scheme, codebook = _codebook(request, pk)
    if request.method != "POST":
        return _not_allowed()
    try:
        answer_id = int(request.POST.get("answer", ""))
        code = selectors.code_in(codebook, int(request.POST.get("code", "")))
        apply = {"yes": True, "no": False}[request.POST.get("apply", "")]
    except (ValueError, KeyError):
        messages.error(request, "Choose whether the code applies: reload the page and try again.")
        return redirect("schemes:coding_agreement", scheme.pk)
    try:
        services.decide(
            actor=request.user, codebook=codebook, answer_id=answer_id, code=code, apply=apply
        )
    except services.CodingError as error:
        messages.error(request, str(error))
    else:
        verdict = "applies" if apply else "does not apply"
        messages.success(request, f"Settled: '{code.label}' {verdict} to answer {answer_id}.")
    return HttpResponseRedirect(
        reverse("schemes:coding_agreement", args=[scheme.pk]) + f"#answer-{answer_id}"
    )
