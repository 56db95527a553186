"""Figures: DataFrame in, :class:`helpers.views.figures.output.Figure` out, one shared visual theme.

``theme`` (colours, font, escaping), ``output`` (how a figure leaves a notebook), ``sources`` (the evidence
base), ``theory`` (the theories), ``survey`` (the 2025 survey). A chapter calls ``figures.evidence_map()``.
"""

from helpers.views.figures.sources import evidence_map, sources_by_characteristic, sources_by_year
from helpers.views.figures.survey import survey_sample_by_wave
from helpers.views.figures.theory import cmos_per_theory_area, programme_theory_network

__all__ = [
    "cmos_per_theory_area",
    "evidence_map",
    "programme_theory_network",
    "sources_by_characteristic",
    "sources_by_year",
    "survey_sample_by_wave",
]
