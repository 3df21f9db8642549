"""The study's results from a read study folder: the numbers of the paper's Results section.

Answers to ordinal items are scattered once into a dense array ``[participant, time point,
item]``; every summary, total and paired comparison is then a column operation on it.
Python loops run over roles, scales, items and time points (tens), never over answers or
participants (up to millions).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from revmentor.analysis.quartiles import METHOD_LABELS, QuartileMethod, quartiles
from revmentor.analysis.reader import MISSING, ROLES, Item, Study
from revmentor.analysis.wilcoxon import EXACT_MAX_N, signed_rank

SMALL_N = 20
"""Below this many non-zero differences the normal approximation is flagged as unreliable."""
FORMAT_VERSION = 1
JSON = dict[str, Any]
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Measure:
    """One thing that can be summarised and compared: a domain, a total or a single item.

    ``values`` is ``[participant of the role, time point]`` with :data:`MISSING` where
    there is no value.
    """

    role: str
    scale: str
    item: str
    label: str
    values: npt.NDArray[np.int32]
    low: int | None = None
    high: int | None = None


def _round(x: float | None, digits: int = 10) -> float | None:
    """Return ``x`` rounded to shed floating-point noise, or ``None`` for None/NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return round(float(x), digits)


def _significant(p: float | None) -> float | None:
    """Return a p-value to 12 significant digits, so that tiny p-values are not zeroed."""
    return None if p is None else float(f"{p:.12g}")


def _dense(study: Study) -> tuple[npt.NDArray[np.int32], list[int]]:
    """Return (values[item, time point, participant], indexes of the ordinal items).

    One scatter of every answer by its unique key; cells without a whole-number answer
    hold :data:`MISSING`. A role's answers to one item at one time point are contiguous.
    """
    columns = [j for j, it in enumerate(study.items) if it.kind in ("domain", "ordinal")]
    shape = (max(len(study.items), 1), len(study.timepoints), len(study.participants.ids))
    grid = np.full(shape[0] * shape[1] * shape[2], MISSING, np.int32)
    grid[study.responses.key] = study.responses.value
    return grid.reshape(shape), columns


def _measures(study: Study, grid: npt.NDArray[np.int32], columns: list[int]) -> list[Measure]:
    """Return every domain, every scale total and every single ordinal item, per role."""
    out: list[Measure] = []
    for role_index, role in enumerate(ROLES):
        sl = study.participants.role_slice(role_index)
        if sl.stop == sl.start:
            continue
        scales: dict[str, list[int]] = {}
        for c in columns:
            it = study.items[c]
            values = grid[c, :, sl].T  # [participant, time point], columns contiguous
            if not (values != MISSING).any():
                continue
            if it.kind == "domain":
                scales.setdefault(it.scale, []).append(c)
            else:
                out.append(Measure(role, it.scale, it.name, it.label, values, it.low, it.high))
        for scale, cols in scales.items():
            for c in cols:
                it = study.items[c]
                values = grid[c, :, sl].T
                out.append(Measure(role, scale, str(it.domain), it.label, values, it.low, it.high))
            part = grid[cols][:, :, sl]
            complete = (part != MISSING).all(axis=0)
            total = np.where(complete, part.sum(axis=0, dtype=np.int32), MISSING)
            out.append(Measure(role, scale, "total", "Total", np.ascontiguousarray(total).T))
    return out


def measures(study: Study) -> list[Measure]:
    """Return every domain, scale total and single ordinal item of ``study``, per role.

    Each :class:`Measure` holds its values as ``[participant of the role, time point]``
    with :data:`~revmentor.analysis.reader.MISSING` where there is none; the report draws
    paired plots from them.
    """
    grid, columns = _dense(study)
    return _measures(study, grid, columns)


def _summaries(study: Study, measures: list[Measure], method: QuartileMethod) -> list[JSON]:
    """Return n, median, q1 and q3 per role, scale, item and time point with any answer."""
    rows: list[JSON] = []
    for m in measures:
        for t, tp in enumerate(study.timepoints):
            column = m.values[:, t]
            q = quartiles(column[column != MISSING], method)
            if q.n == 0:
                continue
            rows.append(
                {
                    "role": m.role,
                    "scale": m.scale,
                    "timepoint": tp,
                    "item": m.item,
                    "n": q.n,
                    "median": _round(q.median),
                    "q1": _round(q.q1),
                    "q3": _round(q.q3),
                }
            )
    return rows


def _distributions(study: Study, measures: list[Measure]) -> list[JSON]:
    """Return how many gave each answer, per domain or single item of at most 11 levels."""
    rows: list[JSON] = []
    for m in measures:
        if m.item == "total":
            continue
        for t, tp in enumerate(study.timepoints):
            column = m.values[:, t]
            column = column[column != MISSING]
            if column.size == 0:
                continue
            low, high = int(column.min()), int(column.max())
            if m.low is not None and m.high is not None:
                low, high = min(low, m.low), max(high, m.high)
            elif low >= 1 and high <= 5:
                low, high = 1, 5  # an undeclared item answered within 1-5 reads as Likert
            if high - low > 10:
                continue
            counts = np.bincount(column - low, minlength=high - low + 1)
            rows.append(
                {
                    "role": m.role,
                    "scale": m.scale,
                    "timepoint": tp,
                    "item": m.item,
                    "counts": {str(low + k): int(c) for k, c in enumerate(counts)},
                }
            )
    return rows


def _comparisons(
    study: Study, measures: list[Measure], method: QuartileMethod
) -> tuple[list[JSON], list[JSON]]:
    """Return (comparisons, warnings) for every pair of time points a < b with paired data."""
    rows: list[JSON] = []
    warnings: list[JSON] = []
    n_tp = len(study.timepoints)
    for m in measures:
        present = m.values != MISSING
        for ta in range(n_tp):
            for tb in range(ta + 1, n_tp):
                both = present[:, ta] & present[:, tb]
                if not both.any():
                    continue
                a = m.values[both, ta].astype(np.int64)
                b = m.values[both, tb].astype(np.int64)
                test = signed_rank(a, b)
                qa, qb = quartiles(a, method), quartiles(b, method)
                row: JSON = {
                    "role": m.role,
                    "scale": m.scale,
                    "item": m.item,
                    "timepoint_a": study.timepoints[ta],
                    "timepoint_b": study.timepoints[tb],
                    "n_pairs": test.n_pairs,
                    "n_nonzero": test.n_nonzero,
                    "median_a": _round(qa.median),
                    "median_b": _round(qb.median),
                    "q1_a": _round(qa.q1),
                    "q3_a": _round(qa.q3),
                    "q1_b": _round(qb.q1),
                    "q3_b": _round(qb.q3),
                    "sum_positive_ranks": test.sum_positive_ranks,
                    "sum_negative_ranks": test.sum_negative_ranks,
                    "z": _round(test.z),
                    "p_asymptotic": _significant(test.p_asymptotic),
                    "p_exact": _significant(test.p_exact),
                    "effect_r": _round(test.effect_r),
                }
                rows.append(row)
                warning = _small_n_warning(row)
                if warning is not None:
                    warnings.append(warning)
    return rows, warnings


def format_p(p: float | None) -> str:
    """Return a p-value as a report prints it: 3 decimals, 4 when below 0.01; "n/a" for None."""
    if p is None:
        return "n/a"
    if p < 0.001:
        return "< 0.001"
    return f"{p:.4f}".rstrip("0") if p < 0.01 else f"{p:.3f}"


def _subject(row: JSON) -> str:
    """Return e.g. "mentor confidence total, pre_phase1 to post_session"."""
    what = row["scale"] if row["item"] == row["scale"] else f"{row['scale']} {row['item']}"
    return f"{row['role']} {what}, {row['timepoint_a']} to {row['timepoint_b']}"


def _small_n_warning(row: JSON) -> JSON | None:
    """Return a plain warning when a comparison's p rests on too few people, else ``None``.

    ``only_approx_significant`` is true when the approximate p is below 0.05 and the exact
    p is not: the case the paper's headline result falls into.
    """
    n = row["n_nonzero"]
    context = {k: row[k] for k in ("role", "scale", "item", "timepoint_a", "timepoint_b")}
    misleads = False
    if n == 0:
        message = f"{_subject(row)}: every pair is unchanged, so there is nothing to test"
    elif n < SMALL_N:
        exact = row["p_exact"]
        message = (
            f"{_subject(row)}: n = {n}: the normal approximation is unreliable; "
            f"the exact p is {exact:.4g}"
        )
        misleads = row["p_asymptotic"] < 0.05 <= exact
        if misleads:
            message += (
                f" (the approximate p of {row['p_asymptotic']:.3f} is below 0.05, "
                "the exact p is not)"
            )
    else:
        return None
    return {"kind": "small_n", **context, "only_approx_significant": misleads, "message": message}


def _incomplete_totals(study: Study, grid: npt.NDArray[np.int32], columns: list[int]) -> list[JSON]:
    """Return a warning per scale and time point where some people skipped a domain."""
    warnings: list[JSON] = []
    scales: dict[str, list[int]] = {}
    for c in columns:
        it = study.items[c]
        if it.kind == "domain":
            scales.setdefault(it.scale, []).append(c)
    for role_index, role in enumerate(ROLES):
        sl = study.participants.role_slice(role_index)
        for scale, cols in scales.items():
            answered = (grid[cols][:, :, sl] != MISSING).sum(axis=0)
            partial = ((answered > 0) & (answered < len(cols))).sum(axis=1)
            for t in np.flatnonzero(partial):
                tp = study.timepoints[int(t)]
                warnings.append(
                    {
                        "kind": "incomplete_total",
                        "role": role,
                        "scale": scale,
                        "timepoint": tp,
                        "message": f"{role} {scale}, {tp}: {int(partial[t])} answered some "
                        f"but not all {len(cols)} domains and are left out of the total",
                    }
                )
    return warnings


def _answers(study: Study) -> list[JSON]:
    """Return counts of each answer to yes/no and category items, and n for free text."""
    r = study.responses
    kinds = np.array([it.kind for it in study.items], dtype=object)
    if r.item.size == 0:
        return []
    other = np.flatnonzero(~np.isin(kinds, ["domain", "ordinal"])[r.item])
    if other.size == 0:
        return []
    role = study.participants.role[r.participant[other]].astype(np.int64)
    n_tp, n_items, n_texts = len(study.timepoints), len(study.items), len(r.texts)
    group = (role * n_tp + r.timepoint[other]) * n_items + r.item[other]
    keys, counts = np.unique(group * n_texts + r.text[other], return_counts=True)
    table: dict[int, dict[str, int]] = {}
    for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
        g, text = divmod(key, n_texts)
        answer = str(r.texts[text])
        if answer:
            table.setdefault(g, {})[answer] = count
    rows: list[JSON] = []
    for g, counts_of in sorted(table.items()):
        rest, item_index = divmod(g, n_items)
        role_index, t = divmod(rest, n_tp)
        item: Item = study.items[item_index]
        row: JSON = {
            "role": ROLES[role_index],
            "timepoint": study.timepoints[t],
            "item": item.name,
            "kind": item.kind,
            "n": sum(counts_of.values()),
        }
        if item.kind == "yesno":
            yes = sum(c for a, c in counts_of.items() if a.lower() in ("yes", "y", "true"))
            row["yes"] = yes
            row["percent_yes"] = _round(100 * yes / row["n"], 1)
        if item.kind in ("yesno", "category"):
            row["counts"] = dict(sorted(counts_of.items()))
        rows.append(row)
    return rows


def _range(values: npt.NDArray[np.float64]) -> JSON | None:
    """Return ``{min, max}`` of the non-NaN values, or ``None`` when there are none."""
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None
    return {"min": _round(float(values.min())), "max": _round(float(values.max()))}


def _participants(study: Study) -> list[JSON]:
    """Return per role: n, active/withdrawn, sex, age and consultant years, past mentoring."""
    p = study.participants
    rows: list[JSON] = []
    for role_index, role in enumerate(ROLES):
        sl = p.role_slice(role_index)
        n = sl.stop - sl.start
        if n == 0:
            continue
        withdrawn = int(p.withdrawn[sl].sum())
        sex_counts = np.bincount(p.sex[sl], minlength=len(p.sex_names))
        row: JSON = {
            "role": role,
            "n": n,
            "active": n - withdrawn,
            "withdrawn": withdrawn,
            "sex": {
                s: {"n": int(c), "percent": _round(100 * c / n, 1)}
                for s, c in sorted(zip(p.sex_names, sex_counts.tolist(), strict=True))
                if s and c
            },
            "age": _range(p.age[sl]),
            "years_as_consultant": _range(p.years_as_consultant[sl]),
        }
        prev = p.previous_mentor[sl]
        answered = int((prev >= 0).sum())
        row["previous_mentor"] = {
            "yes": int((prev == 1).sum()),
            "answered": answered,
            "percent": _round(100 * (prev == 1).sum() / answered, 1) if answered else None,
        }
        rows.append(row)
    return rows


def _schemes(study: Study) -> list[JSON]:
    """Return per scheme of a pooled folder ``{scheme, n, mentor, mentee}``: participants.

    Schemes in order of first appearance in ``participants.csv``; ``[]`` when the file has
    no ``scheme`` column (one scheme's folder).
    """
    p = study.participants
    if not p.has_column.get("scheme"):
        return []
    counts = np.zeros((len(p.scheme_names), len(ROLES)), np.int64)
    np.add.at(counts, (p.scheme, p.role.astype(np.int64)), 1)
    return [
        {
            "scheme": name,
            "n": int(counts[i].sum()),
            **{role: int(counts[i, r]) for r, role in enumerate(ROLES)},
        }
        for i, name in enumerate(p.scheme_names)
    ]


def _sessions(study: Study, method: QuartileMethod) -> JSON:
    """Return n, median, q1, q3, min and max of session durations in minutes."""
    minutes = study.session_minutes
    q = quartiles(minutes, method)
    return {
        "n": q.n,
        "median": _round(q.median),
        "q1": _round(q.q1),
        "q3": _round(q.q3),
        "min": _round(float(minutes.min())) if minutes.size else None,
        "max": _round(float(minutes.max())) if minutes.size else None,
    }


def _willingness(study: Study) -> JSON:
    """Return how many mentees each mentor would mentor, and "k of n willing to mentor all".

    "All" means every mentee in participants.csv; a mentee without a row counts as not
    willing. Mentors are those with at least one row in willingness.csv. The per-mentor
    list is given for up to 1,000 mentors; the distribution always.
    """
    p = study.participants
    n_mentees = int((p.role == 1).sum())
    if study.willing_mentor.size == 0:
        return {"n_mentors": 0, "n_mentees": n_mentees, "willing_all": 0}
    pair = study.willing_mentor.astype(np.int64) * len(p.ids) + study.willing_mentee
    unique_yes = np.unique(pair[study.willing])
    per_mentor_yes = np.bincount(unique_yes // len(p.ids), minlength=len(p.ids))
    mentors = np.unique(study.willing_mentor)
    willing_counts = per_mentor_yes[mentors]
    willing_all = int((willing_counts >= n_mentees).sum()) if n_mentees else 0
    levels, level_counts = np.unique(willing_counts, return_counts=True)
    out: JSON = {
        "n_mentors": int(mentors.size),
        "n_mentees": n_mentees,
        "willing_all": willing_all,
        "summary": f"{willing_all} of {mentors.size} mentors willing to mentor all "
        f"{n_mentees} mentees",
        "distribution": {str(k): int(c) for k, c in zip(levels, level_counts, strict=True)},
    }
    if mentors.size <= 1000:
        out["per_mentor"] = [
            {"mentor_id": str(p.ids[m]), "willing": int(k), "of": n_mentees}
            for m, k in zip(mentors.tolist(), willing_counts.tolist(), strict=True)
        ]
    return out


def _themes(study: Study) -> list[JSON]:
    """Return per code the number of distinct participants who raised it, per role/time point."""
    if study.code_index.size == 0:
        return []
    p = study.participants
    n_people, n_tp = len(p.ids), max(len(study.timepoints), 1)
    ok = (study.code_index >= 0) & (study.code_participant >= 0) & (study.code_timepoint >= 0)
    code = study.code_index[ok].astype(np.int64)
    person = study.code_participant[ok].astype(np.int64)
    tp = study.code_timepoint[ok].astype(np.int64)
    role = p.role[person].astype(np.int64)
    distinct = np.unique(((code * n_tp + tp) * len(ROLES) + role) * n_people + person)
    groups, counts = np.unique(distinct // n_people, return_counts=True)
    table: dict[int, dict[str, int]] = {}
    for g, c in zip(groups.tolist(), counts.tolist(), strict=True):
        rest, role_index = divmod(g, len(ROLES))
        code_index, t = divmod(rest, n_tp)
        table.setdefault(code_index, {})[f"{ROLES[role_index]}/{study.timepoints[t]}"] = c
    return [
        {"code": name, "label": study.code_labels.get(name, name), "counts": table.get(i, {})}
        for i, name in enumerate(study.codes)
    ]


def _method(method: QuartileMethod) -> JSON:
    """Return every setting the numbers depend on, for the JSON and the report."""
    import pyarrow

    from revmentor import __version__

    return {
        "format_version": FORMAT_VERSION,
        "software": f"revmentor {__version__}, NumPy {np.__version__}, "
        f"pyarrow {pyarrow.__version__}",
        "quartiles": method,
        "quartiles_label": METHOD_LABELS[method],
        "test": "Wilcoxon signed-rank test, paired by participant, differences b - a",
        "zero_method": "wilcox: zero differences dropped",
        "ties": "average ranks; tie-corrected variance",
        "continuity_correction": False,
        "z": "from the smaller rank sum, as SPSS prints it (zero or negative)",
        "p_asymptotic": "two-sided, normal approximation (SPSS 25 'Asymp. Sig. (2-tailed)')",
        "p_exact": "two-sided, exact over all sign assignments of the actual (average) ranks; "
        f"computed up to {EXACT_MAX_N} non-zero differences",
        "effect_r": "|Z| / sqrt(n_nonzero)",
        "comparison_medians": "of the participants in the pair only",
        "totals": "sum of a scale's domains, for those who answered all of them at that time",
        "small_n_warning_below": SMALL_N,
    }


def analyse(
    study: Study, *, method: QuartileMethod = "tukey", progress: Progress | None = None
) -> JSON:
    """Return the study's results as a JSON-ready dict.

    Keys: ``participants``, ``schemes`` (participants per scheme of a pooled folder, else
    empty), ``summaries``, ``comparisons``, ``distributions``, ``answers``,
    ``themes``, ``sessions``, ``willingness``, ``timepoints``, ``method``, ``warnings``. A
    statistic with nothing to compute (no answers, all differences zero) is ``None``.
    ``progress`` is called with the name of each stage as it starts.
    """
    step = progress or (lambda _stage: None)
    step("arranging answers")
    grid, columns = _dense(study)
    measures = _measures(study, grid, columns)
    step("summarising")
    summaries = _summaries(study, measures, method)
    step("comparing time points")
    comparisons, warnings = _comparisons(study, measures, method)
    warnings = _incomplete_totals(study, grid, columns) + warnings
    step("counting answers, themes and sessions")
    return {
        "method": _method(method),
        "timepoints": [
            {"timepoint": tp, "label": study.timepoint_labels.get(tp, tp)}
            for tp in study.timepoints
        ],
        "participants": _participants(study),
        "schemes": _schemes(study),
        "summaries": summaries,
        "comparisons": comparisons,
        "distributions": _distributions(study, measures),
        "answers": _answers(study),
        "themes": _themes(study),
        "sessions": _sessions(study, method),
        "willingness": _willingness(study),
        "warnings": warnings,
    }
