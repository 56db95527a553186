"""The ``claim`` role: a finding sentence of the report shows the passage of a paper it rests on, on demand.

A chapter writes the role right after the sentence: ``... can lead to reduced isolation.{claim}`pt.connection```.
The role reads the claim's row of data/claims.csv (``helpers.data.loaders.load_claims``) and leaves a numbered
marker (a superscript link, "source passage 1" to a screen reader). After a page is read, every paragraph that
holds markers is followed by a native disclosure, ``<details>`` "Source passages for this paragraph": for each
claim the paper, the text version (submitted manuscript or published article), the location and the passage,
verbatim. No script: the disclosure opens with a click, Enter or Space, and a marker's link opens it too
(browsers open a closed ``<details>`` that holds the target of a link).

An unknown claim id is an error of the strict build. The pages that use claims are read again when
data/claims.csv changes (``env.note_dependency``).
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxRole

from helpers.data import loaders
from helpers.data.paths import dataset_path
from helpers.data.places import load_places


class claim_marker(nodes.Inline, nodes.Element):
    """Where a claim's sentence ends; replaced by a numbered link once the page is read."""


class claim_sources(nodes.General, nodes.Element):
    """The disclosure after a paragraph: ``<details>`` with the paragraph's source passages."""


class claim_summary(nodes.General, nodes.TextElement):
    """The disclosure's always-visible label: ``<summary>``."""


def _claims() -> dict[str, dict]:
    return {row["claim_id"]: row.to_dict() for _, row in loaders.load_claims().iterrows()}


class ClaimRole(SphinxRole):
    def run(self):
        claim_id = self.text.strip()
        path = dataset_path("claims")
        self.env.note_dependency(str(path))
        claim = _claims().get(claim_id)
        if claim is None:
            message = self.inliner.reporter.error(f"claim {claim_id!r} is not a claim_id of data/claims.csv", line=self.lineno)
            problem = self.inliner.problematic(self.rawtext, self.rawtext, message)
            return [problem], [message]
        marker = claim_marker(claim_id=claim_id)
        for key in ("paper", "text_version", "location", "passage", "hedge_override"):
            marker[key] = str(claim[key])
        return [marker], []


def _target_id(claim_id: str) -> str:
    return nodes.make_id(f"claim-{claim_id}")


def _source_item(marker: claim_marker, number: int, study_names: dict) -> nodes.list_item:
    paper = int(marker["paper"])
    study = study_names.get(paper, str(paper))
    item = nodes.list_item(ids=[_target_id(marker["claim_id"])], classes=["report-claim-source"])
    item += nodes.paragraph(
        "",
        "",
        nodes.strong("", f"Source passage {number}: "),
        nodes.Text(f"{study} ({marker['text_version']}), {marker['location']}"),
    )
    item += nodes.block_quote("", nodes.paragraph("", marker["passage"]))
    if marker["hedge_override"]:
        item += nodes.paragraph("", f"Reviewed wording: {marker['hedge_override']}", classes=["report-claim-override"])
    return item


def _numbers(numbers: list[int]) -> str:
    """'1 to 8' for a run of consecutive numbers, '3' for one, '2, 5' otherwise."""
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]} to {numbers[-1]}"
    return ", ".join(str(n) for n in numbers)


def _numbered_link(marker: claim_marker, number: int) -> nodes.superscript:
    link = nodes.reference(
        "",
        "",
        nodes.inline("", "source passage ", classes=["visually-hidden"]),
        nodes.Text(str(number)),
        refid=_target_id(marker["claim_id"]),
        internal=True,
        classes=["report-claim-ref"],
    )
    return nodes.superscript("", "", link, classes=["report-claim"])


def _add_source_passages(app, doctree: nodes.document) -> None:
    """After a page is read: number its claim markers and put each paragraph's passages in a disclosure after it."""
    markers = list(doctree.findall(claim_marker))
    if not markers:
        return
    study_names = dict(load_places().studies)
    paragraphs: dict[int, tuple[nodes.Element, list[tuple[claim_marker, int]]]] = {}
    for number, marker in enumerate(markers, start=1):
        block = marker.parent
        while block.parent is not None and not isinstance(block, nodes.paragraph):
            block = block.parent
        paragraphs.setdefault(id(block), (block, []))[1].append((marker, number))
    for block, numbered in paragraphs.values():
        disclosure = claim_sources(classes=["report-claim-sources"])
        label = "Source passage" if len(numbered) == 1 else "Source passages"
        disclosure += claim_summary("", f"{label} for this paragraph ({_numbers([n for _, n in numbered])})")
        listing = nodes.bullet_list(classes=["report-claim-list"])
        for marker, number in numbered:
            listing += _source_item(marker, number, study_names)
            marker.replace_self(_numbered_link(marker, number))
        disclosure += listing
        block.parent.insert(block.parent.index(block) + 1, disclosure)


def _visit_details(self, node):
    self.body.append(self.starttag(node, "details"))


def _depart_details(self, node):
    self.body.append("</details>\n")


def _visit_summary(self, node):
    self.body.append(self.starttag(node, "summary", suffix=""))


def _depart_summary(self, node):
    self.body.append("</summary>\n")


def _pass(self, node):
    pass


def register(app) -> None:
    app.add_role("claim", ClaimRole())
    app.add_node(claim_marker, html=(_pass, _pass), text=(_pass, _pass), latex=(_pass, _pass))
    app.add_node(claim_sources, html=(_visit_details, _depart_details), text=(_pass, _pass), latex=(_pass, _pass))
    app.add_node(claim_summary, html=(_visit_summary, _depart_summary), text=(_pass, _pass), latex=(_pass, _pass))
    app.connect("doctree-read", _add_source_passages)
