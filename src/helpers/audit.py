"""Recompute what the papers report, and check that the report agrees with itself.

Pure functions first (each recomputation, with its rounding rule), then the checks run over the data.

Rounding rule for every printed number: a printed number stands for any value that **rounds** to it (either way at
the .5 boundary) or is **truncated** (cut off) to it at the printed number of decimals, since papers do both. So
``521.9`` stands for 521.85 to 521.999..., ``.15`` for .145 to .159..., ``75%`` for 74.5% to 75.99...%. A recomputed
value is *consistent* when it falls in that interval. A recomputation from printed inputs (a p value from a printed
test statistic) carries the inputs' intervals through, so it is consistent when the two intervals overlap. A printed
inequality such as ``<.001`` is consistent when the whole recomputed interval satisfies it.

Verdicts: ``consistent``, ``inconsistent`` or ``cannot be checked`` (the paper does not print what is needed).
An audit finding is information for the reader; the report keeps using the values as printed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd
from scipy import special

from . import bib, data
from .errors import DataError, Problem
from .paths import dataset_path
from .tables import EVALUATION_PAGES

CONSISTENT = "consistent"
INCONSISTENT = "inconsistent"
CANNOT_CHECK = "cannot be checked"
VERDICTS = (CONSISTENT, INCONSISTENT, CANNOT_CHECK)

# --------------------------------------------------------------------------- printed numbers

_PRINTED = re.compile(r"^\s*(?P<op>[<>]=?|=)?\s*(?P<num>[-\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?)\s*%?\s*$")


@dataclass(frozen=True)
class Printed:
    """A number as printed: its value, its number of decimals, and an inequality sign if one was printed."""

    value: float
    decimals: int
    op: str = "="
    text: str = ""

    @property
    def unit(self) -> float:
        return 10.0**-self.decimals

    def interval(self) -> tuple[float, float]:
        """Every value that rounds (either way at .5) or truncates to the printed number."""
        half, unit = self.unit / 2, self.unit
        if self.value > 0:
            return self.value - half, self.value + unit - 1e-12
        if self.value < 0:
            return self.value - unit + 1e-12, self.value + half
        return -unit + 1e-12, unit - 1e-12

    def __str__(self) -> str:
        if self.text:
            return self.text
        text = f"{self.value:.{self.decimals}f}"
        if 0 < abs(self.value) < 1 and self.op != "=":
            text = text.replace("0.", ".", 1)
        return text if self.op == "=" else f"{self.op}{text}"


def parse_printed(text: str) -> Printed:
    """'<.001' -> Printed(0.001, 3, '<'); '80,915' -> Printed(80915, 0); '75%' -> Printed(75, 0). ValueError if not a number."""
    match = _PRINTED.match(str(text))
    if not match or not re.search(r"\d", match.group("num") or ""):
        raise ValueError(f"{text!r} is not a printed number (such as 521.9, <.001, 75%, 80,915)")
    number = match.group("num").replace("\u2212", "-").replace(",", "")
    decimals = len(number.split(".")[1]) if "." in number else 0
    return Printed(float(number), decimals, match.group("op") or "=", str(text).strip().rstrip("%").lstrip("=").strip())


def fits(recomputed: tuple[float, float] | float, printed: Printed) -> bool:
    """Whether a recomputed value (or interval of values) is consistent with the printed number or inequality."""
    low, high = (recomputed, recomputed) if isinstance(recomputed, int | float) else recomputed
    if printed.op == "<":
        return high < printed.value
    if printed.op == "<=":
        return high <= printed.value
    if printed.op == ">":
        return low > printed.value
    if printed.op == ">=":
        return low >= printed.value
    p_low, p_high = printed.interval()
    return low <= p_high and high >= p_low


def how_it_fits(recomputed: float, printed: Printed) -> str:
    """'rounds' or 'truncates' (how a recomputed value becomes the printed number), or '' when it does not fit."""
    if abs(recomputed - printed.value) <= printed.unit / 2 + 1e-12:
        return "rounds"
    low, high = printed.interval()
    return "truncates" if low <= recomputed <= high else ""


# --------------------------------------------------------------------------- recomputations


def percent(n: float, total: float) -> float:
    """n of total, as a percentage."""
    if total <= 0:
        raise ValueError("the denominator must be positive")
    return 100.0 * n / total


def percent_consistent(n: float, total: float, printed: str | Printed) -> bool:
    """Whether n/total, as a percentage, rounds or truncates to the printed percentage."""
    printed = printed if isinstance(printed, Printed) else parse_printed(printed)
    return fits(percent(n, total), printed)


def denominators_fitting(pairs: list[tuple[float, Printed]], largest: int = 100_000) -> list[int]:
    """Every whole denominator N (from the largest count up to ``largest``) for which all n/N fit their printed percent."""
    if not pairs:
        return []
    start = max(1, int(max(n for n, _ in pairs)))
    # N is bounded by the smallest printed percentage: n/N >= its lower bound.
    limit = largest
    for n, printed in pairs:
        low = printed.interval()[0]
        if low > 0:
            limit = min(limit, int(100 * n / low) + 1)
    return [total for total in range(start, limit + 1) if all(fits(percent(n, total), p) for n, p in pairs)]


def p_from_t(t: float, df: float, tails: str) -> float:
    """p of a t statistic on df degrees of freedom; ``tails`` is 'one' or 'two'."""
    if tails not in ("one", "two"):
        raise ValueError(f"tails must be 'one' or 'two', not {tails!r}")
    one = special.stdtr(df, -abs(t))  # Student's t upper tail, as scipy.stats.t.sf, without importing scipy.stats
    return float(one if tails == "one" else 2 * one)


def p_from_chi2(chi2: float, df: float) -> float:
    """p of a chi-square statistic on df degrees of freedom (its upper tail, as every chi-square test uses)."""
    return float(special.chdtrc(df, chi2))  # as scipy.stats.chi2.sf


def p_from_r(r: float, n: int, tails: str = "two") -> float:
    """p of a Pearson correlation r in a sample of n (t = r sqrt((n-2)/(1-r^2)) on n-2 df)."""
    t = r * math.sqrt((n - 2) / (1 - r * r))
    return p_from_t(t, n - 2, tails)


def smallest_n_for_p_below(r: float, alpha: float, tails: str = "two") -> int:
    """The smallest sample size at which a correlation r has p below alpha."""
    for n in range(4, 1_000_000):
        if p_from_r(r, n, tails) < alpha:
            return n
    raise ValueError(f"r={r} does not reach p<{alpha} below a million observations")


def p_interval(statistic: Printed, compute) -> tuple[float, float]:
    """The p values a printed statistic can stand for: ``compute`` at both ends of its interval (p falls as it grows)."""
    low, high = statistic.interval()
    ends = [compute(low), compute(high)]
    return min(ends), max(ends)


def chi_square(table: list[list[float]], correction: bool = False) -> float:
    """Pearson's chi-square of a contingency table (``correction``: Yates's continuity correction, 2x2 only).

    As ``scipy.stats.chi2_contingency``: expected counts from the margins; with the correction and one degree
    of freedom, each observed count moves towards its expected count by 0.5 (or less, if closer than that).
    """
    rows = [sum(row) for row in table]
    columns = [sum(column) for column in zip(*table, strict=True)]
    total = sum(rows)
    dof = (len(rows) - 1) * (len(columns) - 1)
    statistic = 0.0
    for i, row in enumerate(table):
        for j, observed in enumerate(row):
            expected = rows[i] * columns[j] / total
            if correction and dof == 1:
                gap = expected - observed
                observed += math.copysign(min(0.5, abs(gap)), gap) if gap else 0.0
            statistic += (observed - expected) ** 2 / expected
    return statistic


def cramers_v(table: list[list[float]]) -> float:
    """Cramer's V of a contingency table, from Pearson's chi-square without continuity correction."""
    total = sum(sum(row) for row in table)
    smaller = min(len(table), len(table[0])) - 1
    return math.sqrt(chi_square(table) / (total * smaller))


def ci_consistent(estimate: str | Printed, lower: str | Printed, upper: str | Printed) -> tuple[bool, str]:
    """Whether a confidence interval is consistent with its point estimate, as a symmetric (Wald-type) interval.

    The estimate must lie inside the interval, and the two half-widths (upper - estimate, estimate - lower) must be
    equal once every printed number is allowed its rounding or truncation. Returns (verdict, explanation).
    """
    e, lo, up = (x if isinstance(x, Printed) else parse_printed(x) for x in (estimate, lower, upper))
    if not lo.value <= e.value <= up.value:
        return False, f"the estimate {e} lies outside the interval {lo} to {up}"
    (e_lo, e_hi), (l_lo, l_hi), (u_lo, u_hi) = e.interval(), lo.interval(), up.interval()
    # (upper - estimate) - (estimate - lower) = upper + lower - 2 estimate, as an interval.
    low, high = u_lo + l_lo - 2 * e_hi, u_hi + l_hi - 2 * e_lo
    above, below = up.value - e.value, e.value - lo.value
    widths = f"half-widths {above:.{up.decimals}f} above and {below:.{lo.decimals}f} below the estimate"
    if low <= 0 <= high:
        return True, widths + ", equal within the printed digits"
    return False, widths + ", not equal within the printed digits"


def sum_consistent(parts: list[float], total: float) -> bool:
    """Whether subgroup counts add up exactly to their total."""
    return abs(sum(parts) - total) < 1e-9


def repeated_numbers(bracket: str) -> list[int]:
    """Reference numbers that a citation bracket such as '[42,46,46]' or '[3-5,5]' lists more than once."""
    numbers: list[int] = []
    for part in re.split(r"[,;]", bracket.strip().strip("[]")):
        part = part.strip()
        if not part:
            continue
        span = re.split(r"\s*[-\u2013]\s*", part)
        if len(span) == 2:
            numbers += list(range(int(span[0]), int(span[1]) + 1))
        else:
            numbers.append(int(part))
    return sorted({n for n in numbers if numbers.count(n) > 1})


# --------------------------------------------------------------------------- checks over the data


@dataclass
class Check:
    """One audit check: what was printed, what the audit recomputed, the verdict and where the book uses it."""

    paper: int
    section: str
    topic: str
    what: str
    reported: str
    recomputed: str
    verdict: str
    explanation: str
    link: str
    value_ids: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}")


# Where each reported value is shown in the book, kept in one place: a test checks every target exists.
# 2025 values from a theory-area section are shown on that area's page; the others on the survey page by domain.
SURVEY_PLACES = {
    "sample": "survey.html#who-took-part",
    "demographics": "survey.html#who-took-part",
    "interviews": "survey.html#who-took-part",
    "forum_posts": "survey.html#who-took-part",
    "caseness": "survey.html#distress-and-change-over-time",
    "growth_curve": "survey.html#distress-and-change-over-time",
    "correlation": "survey.html#associations-tested",
    "t_test": "survey.html#associations-tested",
    "item_response": "survey.html#associations-tested",
    "isolation_stigma": "survey.html#associations-tested",
    "reliability": "survey.html#associations-tested",
}
THEORY_AREA_PLACES = {n: f"{page}.html#numbers-the-evaluation-reports-for-this-area" for n, page in EVALUATION_PAGES.items()}
PLACES = {
    "methods-2024": "methods.html#the-2024-realist-synthesis",
    "methods-2025": "methods.html#the-2025-realist-evaluation",
    "survey": "survey.html#who-took-part",
    "textbox-1": "theory-changes.html#the-stated-mapping-checked-against-the-texts",
    "initial-theories": "theory-changes.html#the-five-initial-theories-textbox-1",
    "label-disagreements": "evidence-base.html#where-the-paper-s-labels-and-its-content-disagree",
    "bibliography": "bibliography.html",
}


def value_link(row: pd.Series) -> str:
    """The page and anchor where the book shows a reported value."""
    if row["paper"] == 2024:
        return PLACES["methods-2024"]
    area = re.search(r"Theory Area (\d)", row["section"])
    if row["domain"] in SURVEY_PLACES:
        return SURVEY_PLACES[row["domain"]]
    if area and int(area.group(1)) in THEORY_AREA_PLACES:
        return THEORY_AREA_PLACES[int(area.group(1))]
    return PLACES["methods-2025"]


def place_link(place: str) -> str:
    """A place named in data (a key of PLACES, or a BibTeX key: its bibliography entry) as page#anchor."""
    if place in PLACES:
        return PLACES[place]
    return f"{PLACES['bibliography']}#cite-{place}"


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
        link=value_link(row),
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
                    f"at least {smallest} (the time-1 survey had 791 respondents)"
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
    """Cohen's d of the t tests: recomputing it needs the two group sizes, which the paper does not print."""
    checks = []
    for prefix in _prefix_rows(values, "d"):
        d_id = prefix + ".d"
        checks.append(
            _check(
                values,
                d_id,
                "Effect sizes",
                f"{values.row(d_id)['measure']}: Cohen's d",
                values.row(d_id)["value_reported"],
                "",
                CANNOT_CHECK,
                "d follows from t and the two group sizes, and the paper prints neither group's size for this test",
                (d_id,),
            )
        )
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
                link=PLACES["textbox-1"],
                value_ids=(cmo.cmo_id,),
            )
        )
    return checks


def narrative_label_checks(sources: pd.DataFrame, cmos: pd.DataFrame) -> list[Check]:
    """The CMO numbers the 2024 narrative prints beside each citation, against the CMO its passage describes."""
    labels = cmos.set_index("cmo_id")["label"]
    checks = []
    for source in sources.sort_values("ref_number_2024").itertuples():
        printed = data.split_ids(source.cmo_ids_as_labelled)
        if not printed:
            continue
        content = data.split_ids(source.cmo_ids)
        ok = sorted(printed) == sorted(content)
        number = "" if pd.isna(source.ref_number_2024) else f" [{int(source.ref_number_2024)}]"
        checks.append(
            Check(
                paper=2024,
                section="Results > Theory areas (narrative)",
                topic="CMO numbers the narrative cites",
                what=f"CMO label beside the citation of {source.authors.split(',')[0]} {source.year}{number}",
                reported=", ".join(labels.get(i, i) for i in printed),
                recomputed=", ".join(labels.get(i, i) for i in content) or "none",
                verdict=CONSISTENT if ok else INCONSISTENT,
                explanation=(
                    "the cited passage describes the configuration its label names"
                    if ok
                    else (source.label_note or "the cited passage describes a different configuration")
                ),
                link=PLACES["label-disagreements"] if not ok else f"{PLACES['bibliography']}#cite-{source.bibkey}",
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
                link=place_link(repeated.index[0]) if len(repeated) else PLACES["bibliography"],
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
                link=place_link(row.place),
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
