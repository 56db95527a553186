"""Where things are in the book: the page of each theory area, the home of each CMO card, the anchor of each
place the audit links to. One map, so no other module names a chapter or an anchor.
"""

from __future__ import annotations

BIBLIOGRAPHY_PAGE = "bibliography.html"
STUDY_NAMES = {2024: "2024 realist synthesis", 2025: "2025 realist evaluation"}
# The chapter of each theory area, by number, for the two studies.
SYNTHESIS_PAGES = dict(
    enumerate(
        [
            "synthesis-1-self-efficacy",
            "synthesis-2-psychological-safety",
            "synthesis-3-service-use",
            "synthesis-4-moderation",
            "synthesis-5-social-connection",
        ],
        start=1,
    )
)
EVALUATION_PAGES = dict(
    enumerate(
        [
            "evaluation-1-self-efficacy",
            "evaluation-2-understanding-acceptance",
            "evaluation-3-helping-others",
            "evaluation-4-catharsis",
        ],
        start=1,
    )
)
# The page where each CMO's full card lives, by (study, kind, theory area), so other pages can link to it.
# A test checks that every such link lands on an anchor that exists in the built book.
CMO_HOME_PAGES = {
    **{(2024, "synthesis", n): page for n, page in SYNTHESIS_PAGES.items()},
    (2025, "initial", 1): "theory-changes",
    (2025, "initial", 2): "theory-changes",
    **{(2025, kind, n): page for kind in ("refined", "new") for n, page in EVALUATION_PAGES.items()},
}


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
