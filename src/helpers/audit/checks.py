"""The audit's checks, run over the data: each reported value that can be recomputed, each cross-reference.

Recomputations are in :mod:`helpers.audit.recompute`; this module applies them to data/reported_values.csv,
data/value_relations.csv, data/cross_checks.csv and the CMO and source tables. Each check names the place its
value belongs to (a value_id, a named place of chapters/places.yml or a BibTeX key); it makes no links:
:mod:`helpers.views.places` turns a place into one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from helpers.audit.recompute import (
    CANNOT_CHECK,
    CONSISTENT,
    INCONSISTENT,
    VERDICTS,
    Printed,
    chi_square,
    ci_consistent,
    cramers_v,
    denominators_fitting,
    fits,
    how_it_fits,
    p_from_chi2,
    p_from_t,
    p_interval,
    parse_printed,
    percent,
    pooled_d_minimum,
    pooled_group_sizes,
    repeated_numbers,
    smallest_n_for_p_below,
)
from helpers.data import bib
from helpers.data import loaders as data
from helpers.data.errors import DataError, Problem
from helpers.data.paths import dataset_path

# The reported value that is the size of the 2025 survey's time-1 sample (data/reported_values.csv).
SURVEY_SAMPLE = "e25.sample.survey.wave1.n"


@dataclass
class Check:
    """One audit check: what was printed, what the audit recomputed, the verdict and where the book uses it.

    ``place`` is where the book shows what was checked: the value_id of a reported value, a named place of
    chapters/places.yml (e.g. 'textbox-1') or the BibTeX key of a source (its bibliography entry).
    """

    paper: int
    section: str
    topic: str
    what: str
    reported: str
    recomputed: str
    verdict: str
    explanation: str
    place: str
    value_ids: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}")


def short_section(section: str) -> str:
    """The top-level section of a paper ('Results > Participants > Survey' -> 'Results > Participants')."""
    return " > ".join(section.split(" > ")[:2])


class _Values:
    """Reported values by id, with their printed numbers parsed on demand (an unparseable one is a DataError)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.by_id = frame.reset_index(names="row").set_index("value_id")
        self.name = data.display_name(dataset_path("reported_values"))

    def __contains__(self, value_id: str) -> bool:
        return value_id in self.by_id.index

    def row(self, value_id: str) -> pd.Series:
        return self.by_id.loc[value_id]

    def printed(self, value_id: str) -> Printed:
        row = self.by_id.loc[value_id]
        try:
            return parse_printed(row["value_reported"])
        except ValueError as exc:
            raise DataError(
                [Problem(self.name, int(row["row"]), "value_reported", f"{value_id}: cannot audit this statistic: {exc}")]
            ) from None

    def has_number(self, value_id: str) -> bool:
        try:
            parse_printed(self.by_id.loc[value_id, "value_reported"])
        except ValueError:
            return False
        return True


def _check(values: _Values, anchor_id: str, topic: str, what: str, reported: str, recomputed: str, verdict: str, why: str, ids):
    row = values.row(anchor_id)
    return Check(
        paper=int(row["paper"]),
        section=short_section(row["section"]),
        topic=topic,
        what=what,
        reported=reported,
        recomputed=recomputed,
        verdict=verdict,
        explanation=why,
        place=anchor_id,
        value_ids=tuple(ids),
    )


def _label(row: pd.Series) -> str:
    parts = [row["measure"]] + [p for p in (row["category"],) if p]
    return ": ".join(parts)


def percent_checks(values: _Values) -> list[Check]:
    """Every printed percentage: recomputed from its count and denominator, or 'cannot be checked' without them."""
    checks = []
    for value_id, row in values.by_id[values.by_id["statistic"] == "percent"].iterrows():
        count_id = value_id.removesuffix(".percent") + ".n"
        denominator_id = data.denominator_id(value_id, values.by_id.index)
        printed = values.printed(value_id)
        what = f"{_label(row)} (percentage)"
        if count_id in values and denominator_id:
            n, total = values.printed(count_id).value, values.printed(denominator_id).value
            recomputed = percent(n, total)
            ok = fits(recomputed, printed)
            shown = f"{recomputed:.{printed.decimals + 1}f}%"
            why = f"{n:g} of {total:g} is {shown}"
            why += (
                f"; it {how_it_fits(recomputed, printed)} to the printed {printed}%"
                if ok
                else f", which does not round or truncate to the printed {printed}%"
            )
            checks.append(
                _check(
                    values,
                    value_id,
                    "Percentages from counts",
                    what,
                    f"{row['value_reported']} (n={n:g}, N={total:g})",
                    shown,
                    CONSISTENT if ok else INCONSISTENT,
                    why,
                    (value_id, count_id, denominator_id),
                )
            )
        else:
            missing = "count" if count_id not in values else "denominator"
            checks.append(
                _check(
                    values,
                    value_id,
                    "Percentages from counts",
                    what,
                    row["value_reported"],
                    "",
                    CANNOT_CHECK,
                    f"the paper prints no {missing} behind this percentage",
                    (value_id,),
                )
            )
    return checks


def implied_denominator_checks(values: _Values, percent_results: list[Check]) -> list[Check]:
    """For a denominator whose percentages do not fit it: the denominators that all of them would fit."""
    checks = []
    groups: dict[str, list[str]] = {}
    for check in percent_results:
        if len(check.value_ids) == 3:
            groups.setdefault(check.value_ids[2], []).append(check.value_ids[0])
    for denominator_id, percent_ids in groups.items():
        pairs = [(values.printed(p.removesuffix(".percent") + ".n").value, values.printed(p)) for p in percent_ids]
        total = values.printed(denominator_id).value
        if all(fits(percent(n, total), p) for n, p in pairs):
            continue
        fitting = denominators_fitting(pairs)
        shown = ", ".join(map(str, fitting[:5])) + (" ..." if len(fitting) > 5 else "") if fitting else "none"
        checks.append(
            _check(
                values,
                denominator_id,
                "Percentages from counts",
                f"{values.row(denominator_id)['measure']}: the denominator the percentages imply",
                f"N={total:g} ({len(pairs)} percentages with their counts)",
                f"N = {shown}",
                INCONSISTENT,
                f"all {len(pairs)} printed percentages fit their counts only for N = {shown}, not for the stated N={total:g}",
                (denominator_id, *percent_ids),
            )
        )
    return checks


def _prefix_rows(values: _Values, statistic: str) -> list[str]:
    return [value_id.rsplit(".", 1)[0] for value_id in values.by_id.index[values.by_id["statistic"] == statistic]]


def p_value_checks(values: _Values) -> list[Check]:
    """Every printed p value: recomputed from its t or chi-square statistic and df, or 'cannot be checked'."""
    checks = []
    for prefix in _prefix_rows(values, "p"):
        p_id = prefix + ".p"
        row = values.row(p_id)
        printed_p = values.printed(p_id)
        tails = row["tails"] or ""
        what = f"{row['measure']}: p value"
        if f"{prefix}.t" in values and f"{prefix}.df" in values:
            t, df = values.printed(prefix + ".t"), values.printed(prefix + ".df").value
            stated = tails or "two"
            interval = p_interval(t, lambda x, s=stated, d=df: p_from_t(x, d, s))
            other = "two" if stated == "one" else "one"
            other_interval = p_interval(t, lambda x, s=other, d=df: p_from_t(x, d, s))
            ok = fits(interval, printed_p)
            why = f"t({df:g})={t} gives a {stated}-tailed p of {_p_text(interval)}"
            why += " (tails as the paper states it tested)" if tails else " (tails not stated: two-tailed assumed)"
            if not ok and fits(other_interval, printed_p):
                why += f"; the printed P matches the {other}-tailed p ({_p_text(other_interval)})"
            checks.append(
                _check(
                    values,
                    p_id,
                    "p values from test statistics",
                    what,
                    f"t({df:g})={t}, P{_op(printed_p)}",
                    _p_text(interval),
                    CONSISTENT if ok else INCONSISTENT,
                    why,
                    (p_id, prefix + ".t", prefix + ".df"),
                )
            )
        elif f"{prefix}.chi2" in values and f"{prefix}.df" in values:
            chi2, df = values.printed(prefix + ".chi2"), values.printed(prefix + ".df").value
            interval = p_interval(chi2, lambda x, d=df: p_from_chi2(x, d))
            ok = fits(interval, printed_p)
            checks.append(
                _check(
                    values,
                    p_id,
                    "p values from test statistics",
                    what,
                    f"chi-square({df:g})={chi2}, P{_op(printed_p)}",
                    _p_text(interval),
                    CONSISTENT if ok else INCONSISTENT,
                    f"chi-square={chi2} on {df:g} df gives p of {_p_text(interval)}"
                    + ("" if ok else f", which does not round or truncate to the printed {printed_p}"),
                    (p_id, prefix + ".chi2", prefix + ".df"),
                )
            )
        elif f"{prefix}.r" in values:
            r = values.printed(prefix + ".r")
            smallest = smallest_n_for_p_below(abs(r.interval()[0]) if r.value > 0 else abs(r.interval()[1]), printed_p.value)
            ok = printed_p.op == "<"
            checks.append(
                _check(
                    values,
                    p_id,
                    "p values from test statistics",
                    what,
                    f"r={r}, P{_op(printed_p)}",
                    f"P{_op(printed_p)} for any n of at least {smallest}" if ok else "",
                    CONSISTENT if ok else CANNOT_CHECK,
                    f"the paper prints no n for this correlation; r={r} has a two-tailed p{_op(printed_p)} in any sample of "
                    f"at least {smallest} (the time-1 survey had {values.row(SURVEY_SAMPLE)['value_reported']} respondents)"
                    if ok
                    else "the paper prints no n for this correlation",
                    (p_id, prefix + ".r"),
                )
            )
        else:
            checks.append(
                _check(
                    values,
                    p_id,
                    "p values from test statistics",
                    what,
                    f"P{_op(printed_p)}",
                    "",
                    CANNOT_CHECK,
                    "the paper prints no test statistic for this p value",
                    (p_id,),
                )
            )
    return checks


def _op(printed: Printed) -> str:
    return str(printed) if printed.op != "=" else f"={printed}"


def _p_text(interval: tuple[float, float]) -> str:
    low, high = interval
    if high < 0.0001:
        return "<.0001"
    return f"{low:.4f}" if abs(high - low) < 0.00005 else f"{low:.4f} to {high:.4f}"


def effect_size_checks(values: _Values) -> list[Check]:
    """Cohen's d of each t test against the t and df printed with it: could a pooled (Student) test give them?

    A pooled test on N = df + 2 people cannot give a d below 2|t|/sqrt(N) (see ``recompute.pooled_d_minimum``).
    Where the printed d fits, the group sizes that give it are shown. Where it does not, the three numbers cannot
    all describe a pooled test: the df may be a Welch (unequal-variance) df, which is not N - 2, and the paper
    states neither which test it ran nor the group sizes, so d cannot be recomputed: 'cannot be checked', saying so.
    Without a printed t and df, d follows from numbers the paper does not print.
    """
    checks = []
    for prefix in _prefix_rows(values, "d"):
        d_id, t_id, df_id = prefix + ".d", prefix + ".t", prefix + ".df"
        d = values.printed(d_id)
        what = f"{values.row(d_id)['measure']}: Cohen's d against t and df (pooled or Welch t test)"
        if t_id not in values or df_id not in values:
            reported, recomputed, verdict, ids = str(d), "", CANNOT_CHECK, (d_id,)
            why = "d follows from t and the two group sizes, and the paper prints neither for this test"
        else:
            t, df = values.printed(t_id), values.printed(df_id).value
            smallest = pooled_d_minimum(t.interval()[0], df)
            total = int(df) + 2
            reported, recomputed, ids = f"t({df:g})={t}, d={d}", f"pooled-test minimum |d| = {smallest:.3f}", (d_id, t_id, df_id)
            d_high = d.interval()[1]
            if d_high >= smallest:
                sizes = pooled_group_sizes(t.value, df, min(max(d.value, pooled_d_minimum(t.value, df)), d_high))
                split = f"groups of about {sizes[0]:.0f} and {sizes[1]:.0f}" if sizes else "some split of the sample"
                verdict = CONSISTENT
                why = (
                    f"a pooled (Student) t test on df + 2 = {total} people gives |d| of at least 2t/sqrt(N) = "
                    f"{smallest:.3f}; the printed d fits it with {split} (the paper does not print the group sizes)"
                )
            else:
                verdict = CANNOT_CHECK
                why = (
                    f"a pooled (Student) t test with df = {df:g} has N = {total} people and then |d| is at least "
                    f"2t/sqrt(N) = {smallest:.3f} whatever the split, above the printed {d}: these three numbers cannot "
                    "all describe a pooled test. The paper states only that its t tests were 1-tailed, not whether "
                    "variances were pooled; a Welch (unequal-variance) test, whose df is not N - 2, on more people could "
                    "give them, but without the group sizes and standard deviations (Multimedia Appendix 9) d cannot be "
                    "recomputed"
                )
        checks.append(_check(values, d_id, "Effect sizes", what, reported, recomputed, verdict, why, ids))
    return checks


def ci_checks(values: _Values) -> list[Check]:
    """Every printed confidence interval against its point estimate."""
    checks = []
    for prefix in _prefix_rows(values, "ci_lower"):
        ids = (prefix + ".estimate", prefix + ".ci_lower", prefix + ".ci_upper")
        if not all(i in values for i in ids):
            continue
        estimate, lower, upper = (values.printed(i) for i in ids)
        ok, why = ci_consistent(estimate, lower, upper)
        checks.append(
            _check(
                values,
                ids[0],
                "Confidence intervals",
                f"{values.row(ids[0])['measure']}: confidence interval around the estimate",
                f"{estimate} ({lower} to {upper})",
                f"midpoint {(lower.value + upper.value) / 2:.{max(lower.decimals, upper.decimals) + 1}f}",
                CONSISTENT if ok else INCONSISTENT,
                why + " (symmetric intervals assumed; the paper does not say how its intervals were computed)",
                ids,
            )
        )
    return checks


def _operand(values: _Values, token: str) -> tuple[float, str]:
    """A relation input: a value id (its printed number) or a literal number."""
    if token in values:
        return values.printed(token).value, token
    return float(token), ""


def relation_checks(values: _Values, relations: pd.DataFrame) -> list[Check]:
    """The relations data/value_relations.csv declares between reported values."""
    checks = []
    for relation in relations.itertuples():
        inputs = data.split_ids(relation.inputs)
        target = relation.target
        printed = values.printed(target)
        numbers = [_operand(values, token) for token in inputs]
        ids = (target, *[i for _, i in numbers if i])
        kind = relation.kind
        shown_inputs = ", ".join(f"{n:g}" for n, _ in numbers)
        if kind in ("sum", "product"):
            result = sum(n for n, _ in numbers) if kind == "sum" else math.prod(n for n, _ in numbers)
            ok = abs(result - printed.value) < 1e-9
            sign = " + " if kind == "sum" else " x "
            recomputed, why = f"{result:g}", f"{sign.join(f'{n:g}' for n, _ in numbers)} = {result:g}"
        elif kind in ("chi_square", "cramers_v"):
            a, a_total, b, b_total = (n for n, _ in numbers)
            table = [[a, a_total - a], [b, b_total - b]]
            if kind == "chi_square":
                plain, yates = chi_square(table), chi_square(table, correction=True)
                ok = fits(plain, printed) or fits(yates, printed)
                used = plain if fits(plain, printed) or not fits(yates, printed) else yates
                how = how_it_fits(used, printed)
                recomputed = f"{plain:.2f} (with Yates's correction {yates:.2f})"
                why = f"2x2 table {a:g} of {a_total:g} vs {b:g} of {b_total:g}: Pearson chi-square {plain:.3f}" + (
                    f"; it {how} to the printed {printed}" if ok else f"; neither fits the printed {printed}"
                )
            else:
                v = cramers_v(table)
                ok = fits(v, printed)
                recomputed = f"{v:.4f}"
                why = f"V = sqrt(chi-square / N) = {v:.4f} for the 2x2 table {a:g} of {a_total:g} vs {b:g} of {b_total:g}"
                why += f"; it {how_it_fits(v, printed)} to the printed {printed}" if ok else f"; not the printed {printed}"
        elif kind == "at_most":
            bound = numbers[0][0]
            ok = printed.value <= bound
            recomputed, why = f"at most {bound:g}", f"{printed} {'is' if ok else 'is not'} at most {bound:g}"
        elif kind == "equals_one_of":
            ok = any(fits(n, printed) for n, _ in numbers)
            recomputed, why = shown_inputs, f"{printed} {'equals' if ok else 'equals none of'} {shown_inputs}"
        elif kind == "union_of":
            # The share giving at least one of several answers lies between the largest share and their sum.
            low, high = max(n for n, _ in numbers), sum(n for n, _ in numbers)
            inside = fits((low, high), printed)
            ok = None if inside else False
            recomputed = f"{low:g} to {high:g}"
            why = (
                f"{printed} lies between the largest of {shown_inputs} and their sum, as a share giving at least one of "
                "them would; the paper prints no such combined figure to compare it with"
                if inside
                else f"{printed} lies outside {low:g} to {high:g}, where a share giving at least one of {shown_inputs} must lie"
            )
        elif kind == "repeated":
            ok = None
            recomputed = shown_inputs
            why = f"the same numbers ({printed}; {shown_inputs}) are printed for two different items"
        else:  # the schema allows no other kind
            raise ValueError(f"unknown relation kind {kind!r}")
        verdict = CANNOT_CHECK if ok is None else (CONSISTENT if ok else INCONSISTENT)
        checks.append(
            _check(
                values,
                target,
                relation.topic,
                relation.what,
                relation.reported or str(printed),
                recomputed,
                verdict,
                f"{why}. {relation.basis}".strip(),
                ids,
            )
        )
    return checks


# --------------------------------------------------------------------------- cross-references


def textbox_mapping_checks(cmos: pd.DataFrame) -> list[Check]:
    """Textbox 1's stated mapping of the 2025 initial CMOs to 2024 numbers, against the CMO texts."""
    checks = []
    labels = cmos.set_index("cmo_id")["label"]
    for cmo in cmos[cmos["kind"] == "initial"].itertuples():
        stated, content = cmo.stated_2024_equivalent, cmo.content_2024_equivalent
        if not stated:
            continue
        ok = stated == content
        shown_stated = " ".join(labels.get(i, i) for i in data.split_ids(stated))
        shown_content = " ".join(labels.get(i, i) for i in data.split_ids(content)) or "no 2024 configuration"
        checks.append(
            Check(
                paper=2025,
                section="Methods > Initial Program Theories",
                topic="CMO numbering across the papers",
                what=f"2025 initial {cmo.label}: its 2024 equivalent (Textbox 1 caption)",
                reported=f"{cmo.label.replace(' ', '')}={shown_stated.replace(' ', '')}",
                recomputed=f"text matches 2024 {shown_content}",
                verdict=CONSISTENT if ok else INCONSISTENT,
                explanation=(
                    f"the wording of 2025 {cmo.label} is that of 2024 {shown_content}"
                    + ("" if ok else f", not 2024 {shown_stated} as the caption states")
                ),
                place="textbox-1",
                value_ids=(cmo.cmo_id,),
            )
        )
    return checks


def narrative_label_checks(sources: pd.DataFrame, cmos: pd.DataFrame) -> list[Check]:
    """The CMO numbers the 2024 narrative prints beside each citation, against the CMO its passage describes.

    Which passages disagree is read from one place, ``data.label_disagreements`` (the notes the evidence-base page
    lists): a source is inconsistent when any of its labelled passages is, whatever its labels add up to. A CMO the
    source is linked to through a passage with no printed label is no disagreement: no printed label is wrong.
    """
    labels = cmos.set_index("cmo_id")["label"]
    disagreements = data.label_disagreements(sources).groupby("source_id")["passage_note"].apply(list)
    checks = []
    for source in sources.sort_values("ref_number_2024").itertuples():
        printed = data.split_ids(source.cmo_ids_as_labelled)
        if not printed:
            continue
        content = data.split_ids(source.cmo_ids)
        notes = disagreements.get(source.source_id, [])
        number = "" if pd.isna(source.ref_number_2024) else f" [{int(source.ref_number_2024)}]"
        unlabelled = [labels.get(i, i) for i in content if i not in printed]
        if notes:
            passages = "passage's label differs" if len(notes) == 1 else "passages' labels differ"
            explanation = f"{len(notes)} {passages} from its content: " + " | ".join(notes)
        else:
            explanation = "every CMO label printed beside its citation names the configuration its passage describes"
            if unlabelled:
                explanation += (
                    f"; {', '.join(unlabelled)} comes from a passage with no printed label, so no printed label is wrong"
                )
        checks.append(
            Check(
                paper=2024,
                section="Results > Theory areas (narrative)",
                topic="CMO numbers the narrative cites",
                what=f"CMO label beside the citation of {source.authors.split(',')[0]} {source.year}{number}",
                reported=", ".join(labels.get(i, i) for i in printed),
                recomputed=", ".join(labels.get(i, i) for i in content) or "none",
                verdict=INCONSISTENT if notes else CONSISTENT,
                explanation=explanation,
                place="label-disagreements" if notes else source.bibkey,
                value_ids=(source.source_id,),
            )
        )
    return checks


def duplicate_reference_checks(reference_map: pd.DataFrame) -> list[Check]:
    """Works listed twice in one paper's reference list (two numbers, one BibTeX key)."""
    checks = []
    for paper, refs in reference_map.groupby("paper"):
        numbers = refs.groupby("bibkey")["ref_number"].apply(sorted)
        repeated = numbers[numbers.map(len) > 1]
        twice = "; ".join(" and ".join(f"[{n}]" for n in nums) for nums in repeated)
        checks.append(
            Check(
                paper=int(paper),
                section="References",
                topic="Reference lists",
                what="Works listed more than once in the reference list",
                reported=f"{len(refs)} numbered references",
                recomputed=f"{numbers.size} distinct works",
                verdict=INCONSISTENT if len(repeated) else CONSISTENT,
                explanation=f"references {twice} are the same work" if len(repeated) else "every work is listed once",
                place=repeated.index[0] if len(repeated) else "bibliography",
                value_ids=tuple(repeated.index),
            )
        )
    return checks


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\u2013", "-").replace("\u2014", "-")).lower()


def cross_checks(rows: pd.DataFrame) -> list[Check]:
    """The comparisons data/cross_checks.csv records between printed labels, citations and reference details."""
    checks = []
    for row in rows.itertuples():
        if row.kind == "same":
            ok = _normalise(row.printed) == _normalise(row.compared_with)
            why = "the two agree" if ok else "the two differ"
        elif row.kind == "distinct":
            ok = _normalise(row.printed) != _normalise(row.compared_with)
            why = "the two differ, as they should" if ok else "the same label is printed for two different things"
        else:  # no_repeats (the schema allows no other kind)
            repeated = repeated_numbers(row.printed)
            ok = not repeated
            why = "no reference number is repeated" if ok else f"reference {', '.join(map(str, repeated))} is listed twice"
        checks.append(
            Check(
                paper=int(row.paper),
                section=row.section,
                topic=row.topic,
                what=row.what,
                reported=f"{row.printed} ({row.location})",
                recomputed=f"{row.compared_with} ({row.compared_location})" if row.compared_with else "",
                verdict=CONSISTENT if ok else INCONSISTENT,
                explanation=f"{why}. {row.basis}".strip(),
                place=row.place,
                value_ids=(row.check_id,),
            )
        )
    return checks


# --------------------------------------------------------------------------- the whole audit


def run_audit() -> list[Check]:
    """Every check over the shipped data, grouped by paper, section and topic. Raises DataError on broken input."""
    values = _Values(data.load_reported_values())
    checks = percent_checks(values)
    checks += implied_denominator_checks(values, checks)
    checks += p_value_checks(values)
    checks += effect_size_checks(values)
    checks += ci_checks(values)
    checks += relation_checks(values, data.load_value_relations())
    cmos = data.load_cmos()
    checks += textbox_mapping_checks(cmos)
    checks += narrative_label_checks(data.load_sources(), cmos)
    checks += duplicate_reference_checks(data.load_reference_map())
    checks += cross_checks(data.load_cross_checks())
    bib.load_bibliography()  # the links to bibliography entries assume it loads
    order = {"Abstract": 0, "Introduction": 1, "Methods": 2, "Results": 3, "Discussion": 4, "References": 5}
    return sorted(checks, key=lambda c: (c.paper, order.get(c.section.split(" > ")[0], 9), c.section, c.topic))


def summary(checks: list[Check]) -> dict[str, int]:
    """How many checks got each verdict."""
    return {verdict: sum(c.verdict == verdict for c in checks) for verdict in VERDICTS}
