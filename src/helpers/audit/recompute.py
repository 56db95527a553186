"""Recompute what the papers report, and check that the report agrees with itself.

Pure recomputations, each with its rounding rule: numbers in, verdicts out. No data files, no HTML.

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
from dataclasses import dataclass

from scipy import special

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


def pooled_d_minimum(t: float, df: float) -> float:
    """The smallest |Cohen's d| a pooled-variance (Student) t test with this t and df can give.

    A pooled test has df = n1 + n2 - 2 and d = t * sqrt(1/n1 + 1/n2); for a fixed total N = df + 2 the root is
    smallest for equal groups, so |d| >= 2|t| / sqrt(N), whatever the split.
    """
    return 2 * abs(t) / math.sqrt(df + 2)


def pooled_group_sizes(t: float, df: float, d: float) -> tuple[float, float] | None:
    """The group sizes (smaller first, summing to df + 2) at which a pooled t test with this t gives this d.

    From 1/n1 + 1/n2 = (d / t)^2 and n1 + n2 = N: n1 * n2 = N / (d / t)^2. None when no split gives d.
    """
    total = df + 2
    product = total / (d / t) ** 2
    discriminant = total * total - 4 * product
    if discriminant < 0:
        return None
    root = math.sqrt(discriminant)
    return (total - root) / 2, (total + root) / 2


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
