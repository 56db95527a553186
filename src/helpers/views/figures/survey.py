"""Figures of the 2025 evaluation's survey, drawn from the values the paper reports (data/reported_values.csv).

Each figure shows reported numbers as reported; anything derived (a proportion from n and N, a
model-implied mean) is labelled as derived, with how it was derived in the caption.
"""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from helpers.audit import checks as audit
from helpers.data import loaders as data
from helpers.data.loaders import reported
from helpers.views.figures.output import Figure
from helpers.views.figures.theme import OKABE_ITO, plotly_text, stacked, theme

# The survey's waves, and the week each was run, as the paper reports them (one row per wave).
TIMEPOINT = re.compile(r"^e25\.sample\.survey\.timepoint\.wave(\d+)\.weeks$")


def survey_weeks() -> dict[int, int]:
    """Wave number -> the week of the study it was run in (wave 1 at week 0), from data/reported_values.csv."""
    values = data.load_reported_values()
    weeks = {
        int(m.group(1)): int(value)
        for value_id, value in zip(values["value_id"], values["value"], strict=True)
        if (m := TIMEPOINT.match(value_id))
    }
    if not weeks:
        raise KeyError("data/reported_values.csv has no survey timepoints (e25.sample.survey.timepoint.wave<N>.weeks)")
    return dict(sorted(weeks.items()))


def survey_sample_by_wave() -> Figure:
    """Survey respondents at each wave, with the week each wave was run."""
    weeks = survey_weeks()
    rows = reported([f"e25.sample.survey.wave{w}.n" for w in weeks])
    shown = pd.DataFrame(
        {
            "wave": list(weeks),
            "weeks": list(weeks.values()),
            "respondents": rows["value"].astype(int),
            "value_reported": rows["value_reported"],
            "location": rows["location"],
        }
    )
    labels = [f"Wave {w} ({k} weeks)" for w, k in zip(shown["wave"], shown["weeks"], strict=True)]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=shown["respondents"],
            marker_color=OKABE_ITO[0],
            text=[plotly_text(v) for v in shown["value_reported"]],
            textposition="outside",
            hovertemplate="%{x}: %{y} respondents<extra></extra>",
        )
    )
    theme(fig, "Survey respondents at each wave", "Survey wave", "Respondents")
    fig.update_yaxes(rangemode="tozero")
    return Figure(
        fig=fig,
        figure_id="survey-sample-by-wave",
        caption=(
            "Valid respondents at each survey wave of the 2025 evaluation. The wave 1 sample of current forum users "
            f"is the one the paper analyses cross-sectionally; waves {' and '.join(map(str, list(weeks)[1:]))} are "
            "follow-ups of it."
        ),
        source="data/reported_values.csv (2025 evaluation, Results, Survey, paragraph 1).",
        alt="Bar chart of survey respondents: "
        + "; ".join(f"{lab}: {n}" for lab, n in zip(labels, shown["respondents"], strict=True)),
        data=shown,
    )


# (label shown, value_id prefix of the n/percent pair, denominator prefix): the survey's wave-1 sample.
SAMPLE_ROWS = [
    ("Gender: women", "e25.demog.gender.female", "e25.demog.gender"),
    ("Ethnicity: White", "e25.demog.ethnicity.white", "e25.demog.ethnicity"),
    ("Age: 16-24 years", "e25.demog.age.16_24", "e25.demog.age"),
    ("Came seeking help for themselves", "e25.use.reason.help_self", "e25.use.reason"),
    ("Wanted help for someone else", "e25.use.reason.help_someone_else", "e25.use.reason"),
    ("Came intending to help others", "e25.use.reason.help_others", "e25.use.reason"),
    ("Used the forum for over a month", "e25.use.duration.more_than_month", "e25.use.duration"),
    ("Used the forum for a year or more", "e25.use.duration.year_or_more", "e25.use.duration"),
    ("Had responded to or liked a post", "e25.use.activity.responded_or_liked", "e25.use.activity"),
    ("Had written an original post", "e25.use.activity.original_post", "e25.use.activity"),
]


def survey_sample() -> Figure:
    """Who answered the survey at wave 1: each reported count as a share of its denominator."""
    ids = [
        i for _, prefix, denominator in SAMPLE_ROWS for i in (f"{prefix}.n", f"{prefix}.percent", f"{denominator}.denominator")
    ]
    values = reported(ids).set_index("value_id")
    rows = []
    for label, prefix, denominator in SAMPLE_ROWS:
        n = int(values.loc[f"{prefix}.n", "value"])
        total = int(values.loc[f"{denominator}.denominator", "value"])
        rows.append(
            {
                "characteristic": label,
                "n": n,
                "denominator": total,
                "percent_reported": values.loc[f"{prefix}.percent", "value_reported"],
                "percent_from_counts": round(100 * n / total, 1),
                "location": values.loc[f"{prefix}.n", "location"],
            }
        )
    table = pd.DataFrame(rows)
    printed = [
        f"{n} of {d} ({plotly_text(p)})"
        for n, d, p in zip(table["n"], table["denominator"], table["percent_reported"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=table["percent_from_counts"],
            y=[plotly_text(c) for c in table["characteristic"]],
            orientation="h",
            marker_color=[OKABE_ITO[0]] * 3 + [OKABE_ITO[1]] * 3 + [OKABE_ITO[2]] * 2 + [OKABE_ITO[4]] * 2,
            text=printed,
            textposition="outside",
            cliponaxis=False,
            customdata=[[text] for text in printed],
            hovertemplate="%{y}: %{customdata[0]}<extra></extra>",
        )
    )
    sample = reported([audit.SURVEY_SAMPLE])["value_reported"].iloc[0]
    theme(fig, f"Who answered the survey (wave 1, n={sample})", "Share of respondents (%)", "")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(range=[0, 130], tickvals=[0, 20, 40, 60, 80, 100])
    fig.update_layout(height=520, margin={"l": 20, "r": 40, "t": 90, "b": 60})
    return Figure(
        fig=fig,
        figure_id="survey-sample",
        caption=(
            "Characteristics of the wave 1 respondents the paper reports in its text, each as printed (n and %). "
            "Bar lengths are recomputed from n and the denominator. Respondents could give more than one reason "
            "for using a forum. The full demographic table is in the paper's Multimedia Appendix 5, which is not "
            "reproduced here, so other categories (for example other genders and age groups) are not shown."
        ),
        source="data/reported_values.csv (2025 evaluation, Results, Survey).",
        alt="Horizontal bar chart of wave 1 survey respondents: "
        + "; ".join(f"{r.characteristic}: {r.n} of {r.denominator} ({r.percent_reported})" for r in table.itertuples()),
        data=table,
        # On a phone, beside each bar only its percentage as printed (n and N are in the hover, the description
        # and the data), so bar and text fit.
        narrow=go.Figure(fig)
        .update_traces(text=[plotly_text(p) for p in table["percent_reported"]])
        .update_xaxes(range=[0, 140]),
    )


MEASURES = [("gad7", "GAD-7 (anxiety)"), ("phq8", "PHQ-8 (depression)")]


def symptom_trajectories() -> Figure:
    """GAD-7 and PHQ-8 means over the survey's waves implied by the reported latent growth models."""
    weeks = survey_weeks()
    levels: dict[str, float] = {}  # measure -> confidence level of its slope's interval (%)
    fig = make_subplots(rows=1, cols=2, subplot_titles=[plotly_text(t) for _, t in MEASURES], shared_yaxes=True)
    rows = []
    for col, (measure, title) in enumerate(MEASURES, start=1):
        ids = [f"e25.{measure}.wave1.mean", f"e25.{measure}.wave1.sd"] + [
            f"e25.{measure}.growth.slope.{part}" for part in ("estimate", "ci_lower", "ci_upper", "ci_level")
        ]
        v = reported(ids).set_index("value_id")["value"]
        start, slope = float(v[ids[0]]), float(v[ids[2]])
        lower, upper = float(v[ids[3]]), float(v[ids[4]])
        waves = list(weeks)
        levels[title] = float(v[ids[5]])
        mean = [start + slope * (w - 1) for w in waves]
        low = [start + lower * (w - 1) for w in waves]
        high = [start + upper * (w - 1) for w in waves]
        colour = OKABE_ITO[0] if col == 1 else OKABE_ITO[5]
        labels = [f"Wave {w}<br>{k} weeks" for w, k in weeks.items()]
        fig.add_scatter(
            x=labels + labels[::-1],
            y=high + low[::-1],
            fill="toself",
            mode="lines",
            fillcolor="rgba(0,114,178,0.18)" if col == 1 else "rgba(213,94,0,0.18)",
            line={"width": 0},
            name=f"{v[ids[5]]:g}% CI of the slope",
            legendgroup="band",
            showlegend=col == 1,
            hoverinfo="skip",
            row=1,
            col=col,
        )
        fig.add_scatter(
            x=labels,
            y=mean,
            mode="lines+markers",
            line={"color": colour, "width": 3},
            marker={"size": 9, "symbol": "circle" if col == 1 else "square"},
            name="Model-implied mean",
            legendgroup="mean",
            showlegend=col == 1,
            customdata=list(zip(low, high, strict=True)),
            hovertemplate="%{x}: %{y:.2f} (slope CI band %{customdata[0]:.2f} to %{customdata[1]:.2f})<extra>"
            + plotly_text(title)
            + "</extra>",
            row=1,
            col=col,
        )
        rows += [
            {
                "measure": title,
                "wave": w,
                "model_implied_mean": round(m, 3),
                "band_lower": round(lo, 3),
                "band_upper": round(hi, 3),
                "wave1_mean_reported": v[ids[0]],
                "slope_reported": v[ids[2]],
                "slope_ci_reported": f"{v[ids[3]]} to {v[ids[4]]}",
            }
            for w, m, lo, hi in zip(waves, mean, low, high, strict=True)
        ]
    theme(fig, f"Anxiety and depression over {max(weeks.values())} weeks (model-implied)", "", "Mean sum score")
    fig.update_yaxes(range=[8, 12.5], row=1, col=1)
    fig.update_yaxes(title_text="", row=1, col=2)
    fig.update_xaxes(tickangle=0)
    fig.update_layout(height=460, legend={"orientation": "h", "y": -0.18, "yanchor": "top"}, margin={"b": 90})
    table = pd.DataFrame(rows)
    return Figure(
        fig=fig,
        figure_id="symptom-trajectories",
        caption=(
            "Model-implied, not observed, means: each line starts at the reported wave 1 mean sum score and "
            "changes by the reported latent slope per time point ("
            + "; ".join(
                f"{measure}: {first.slope_reported}, {levels[measure]:g}% CI {first.slope_ci_reported}"
                for measure, first in ((m, table[table["measure"] == m].iloc[0]) for _, m in MEASURES)
            )
            + "). The band applies the slope's confidence limits to the same start, so it shows the uncertainty of "
            "the slope only (the intercept's uncertainty is not reported). The paper's own plot of the growth curves "
            "is in its Multimedia Appendix 7."
        ),
        source="data/reported_values.csv (2025 evaluation, Results, Survey: latent growth curve models).",
        alt=f"Two line charts of model-implied mean scores at waves {min(weeks)} to {max(weeks)}. "
        + " ".join(
            f"{r.measure} wave {r.wave}: {r.model_implied_mean:.2f} (band {r.band_lower:.2f} to {r.band_upper:.2f})."
            for r in table.itertuples()
        ),
        data=table,
        narrow=stacked(fig, height=760),
    )


TESTS = [
    ("Self-efficacy and how helpful the forum was found (r)", "e25.corr.selfeff_help", "r"),
    ("Self-efficacy and how supportive moderators were found (r)", "e25.corr.selfeff_mod", "r"),
    ("Psychological safety: had posted vs had not (d)", "e25.ttest.safe_by_posting", "d"),
    ("Self-efficacy: had posted vs had not (d)", "e25.ttest.selfeff_by_posting", "d"),
]


def correlations_and_tests() -> Figure:
    """The reported correlations (r) and t-test effect sizes (Cohen's d), with their test statistics."""
    ids = []
    for _, prefix, kind in TESTS:
        ids += [f"{prefix}.r", f"{prefix}.p"] if kind == "r" else [f"{prefix}.{s}" for s in ("t", "df", "p", "d")]
    v = reported(ids).set_index("value_id")
    rows = []
    for label, prefix, kind in TESTS:
        if kind == "r":
            detail = f"r = {v.loc[prefix + '.r', 'value_reported']}, P {_p(v.loc[prefix + '.p', 'value_reported'])}"
            size = float(v.loc[prefix + ".r", "value"])
        else:
            detail = (
                f"t({v.loc[prefix + '.df', 'value_reported']}) = {v.loc[prefix + '.t', 'value_reported']}, "
                f"P {_p(v.loc[prefix + '.p', 'value_reported'])}, d = {v.loc[prefix + '.d', 'value_reported']}"
            )
            size = float(v.loc[prefix + ".d", "value"])
        rows.append({"association": label, "statistic": kind, "value": size, "as_reported": detail})
    table = pd.DataFrame(rows)
    fig = go.Figure()
    for kind, name, colour, symbol in [
        ("r", "Correlation (r)", OKABE_ITO[0], "circle"),
        ("d", "Effect size (Cohen's d)", OKABE_ITO[5], "diamond"),
    ]:
        part = table[table["statistic"] == kind]
        fig.add_scatter(
            x=part["value"],
            # The label carries the statistics as printed, so they read without hovering.
            y=[
                f"{plotly_text(a)}<br><i>{plotly_text(d)}</i>"
                for a, d in zip(part["association"], part["as_reported"], strict=True)
            ],
            mode="markers",
            name=name,
            marker={"size": 14, "color": colour, "symbol": symbol},
            hovertemplate="%{y}<extra></extra>",
        )
    theme(fig, "Reported correlations and group differences (wave 1)", "Value of r or d", "")
    fig.update_xaxes(range=[0, 0.6], zeroline=True, showgrid=True)
    fig.update_yaxes(automargin=True, autorange="reversed")
    fig.update_layout(height=460, legend={"orientation": "h", "y": -0.32, "yanchor": "top"}, margin={"b": 120})
    return Figure(
        fig=fig,
        figure_id="correlations-and-tests",
        caption=(
            "The two correlations of mental-health self-efficacy (reported as consistent with initial CMO 1) and "
            "the two t tests comparing respondents who had posted at least once with those who had not (psychological "
            "safety: consistent with initial CMO 2), as reported at wave 1. Confidence intervals for these are not reported, so "
            "none are drawn. The paper describes its t tests as 1-tailed; the audit page checks the printed P values "
            "against the test statistics."
        ),
        source="data/reported_values.csv (2025 evaluation, Results, Survey).",
        alt="Dot chart: " + "; ".join(f"{r.association}: {r.as_reported}" for r in table.itertuples()),
        data=table,
    )


def _p(printed: str) -> str:
    """'<.001' -> '<.001'; '.009' -> '= .009' (how a P value reads after 'P')."""
    return printed if printed.startswith(("<", ">")) else f"= {printed}"


CASENESS_IDS = [
    "e25.caseness.survey.caseness.n",
    "e25.caseness.survey.denominator",
    "e25.caseness.survey.caseness.percent",
    "e25.caseness.nhs.caseness.n",
    "e25.caseness.nhs.denominator",
    "e25.caseness.nhs.caseness.percent",
    "e25.caseness.nhs.region",
    "e25.caseness.nhs.period",
    "e25.caseness.chisq.chi2",
    "e25.caseness.chisq.df",
    "e25.caseness.chisq.p",
    "e25.caseness.chisq.cramers_v",
    "e25.caseness.threshold.gad7",
    "e25.caseness.threshold.phq8",
]


def caseness() -> Figure:
    """Caseness in the survey sample against NHS Talking Therapies, with the chi-square recomputed from the counts."""
    v = reported(CASENESS_IDS).set_index("value_id")
    number = v["value"]
    printed = v["value_reported"]
    groups = [
        ("Forum survey, wave 1", "survey"),
        (f"NHS Talking Therapies, {printed['e25.caseness.nhs.region']} {printed['e25.caseness.nhs.period']}", "nhs"),
    ]
    counts = [
        (int(number[f"e25.caseness.{key}.caseness.n"]), int(number[f"e25.caseness.{key}.denominator"])) for _, key in groups
    ]
    table = [[cases, total - cases] for cases, total in counts]
    chi2 = audit.chi_square(table)
    p = audit.p_from_chi2(chi2, 1)
    v_recomputed = audit.cramers_v(table)
    shown = pd.DataFrame(
        {
            "group": [label for label, _ in groups],
            "caseness_n": [c for c, _ in counts],
            "total": [t for _, t in counts],
            "percent_from_counts": [round(100 * c / t, 1) for c, t in counts],
            "percent_reported": [printed[f"e25.caseness.{key}.caseness.percent"] for _, key in groups],
        }
    )
    fig = go.Figure(
        go.Bar(
            x=[plotly_text(g) for g in shown["group"]],
            y=shown["percent_from_counts"],
            marker_color=[OKABE_ITO[0], OKABE_ITO[2]],
            marker_pattern_shape=["", "/"],
            text=[
                f"{c:,} of {t:,} ({plotly_text(pr)})"
                for c, t, pr in zip(shown["caseness_n"], shown["total"], shown["percent_reported"], strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}<br>%{text} met caseness<extra></extra>",
        )
    )
    theme(fig, "Caseness: forum users and NHS Talking Therapies completers", "", "Met caseness (%)")
    fig.update_yaxes(range=[0, 110], tickvals=[0, 20, 40, 60, 80, 100])
    fig.update_layout(height=440)
    recomputed = (
        f"Recomputed from these counts (Pearson chi-square, no continuity correction): chi-square(1) = {chi2:.2f}, "
        f"P {'< .001' if p < 0.001 else f'= {p:.3f}'}, Cramer's V = {v_recomputed:.3f}; the paper prints "
        f"chi-square({printed['e25.caseness.chisq.df']}) = {printed['e25.caseness.chisq.chi2']}, "
        f"P {printed['e25.caseness.chisq.p']}, V = {printed['e25.caseness.chisq.cramers_v']}."
    )
    shown["chi_square_recomputed"] = round(chi2, 3)
    shown["cramers_v_recomputed"] = round(v_recomputed, 4)
    return Figure(
        fig=fig,
        figure_id="caseness",
        caption=(
            "Share of people whose symptoms met 'caseness' (GAD-7 above "
            f"{printed['e25.caseness.threshold.gad7']} or PHQ-8 above {printed['e25.caseness.threshold.phq8']}, as the "
            "paper defines it) among forum survey respondents and among people completing NHS Talking Therapies in "
            "the North West UK region (2022-2023). Forum users were less often above the clinical threshold, though "
            "most still were. " + recomputed
        ),
        source=(
            "data/reported_values.csv (2025 evaluation, Methods and Results, caseness); "
            "chi-square and V recomputed by helpers.audit."
        ),
        alt="Bar chart of caseness: "
        + "; ".join(f"{r.group}: {r.caseness_n} of {r.total} ({r.percent_reported})" for r in shown.itertuples())
        + ". "
        + recomputed,
        data=shown,
    )
