"""Inter-rater reliability for moderation and calibration of scores.

Why this package: competency-based grading stands or falls on whether two
teachers would give the same work the same score. These kernels measure that
(percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha, the six
Shrout & Fleiss ICCs), find raters who score harder or softer than their
peers (against consensus, and with a many-facet Rasch model) and track drift
across calibration sessions, assign raters to samples (fully crossed or
balanced incomplete designs) and compare local with moderated scores in
comparability studies. They are pure Python + numpy (SciPy for F and t
distributions) so the same code runs in a web request, a batch job or Spark.

Conventions shared by every function:

* ratings matrices are raters x units (rows are raters, columns the units of
  work scored), with NaN (or None) for "not scored";
* too little data raises :class:`InsufficientDataError` with a message that
  says what is missing; no statistic quietly returns NaN;
* :func:`interpret` turns a coefficient into its published plain-language band.
"""

from __future__ import annotations

from .agreement import (
    KappaResult,
    KappaWeights,
    agreement_pairs,
    category_counts,
    cohen_kappa,
    cohen_kappa_table,
    fleiss_kappa,
    percent_agreement,
)
from .alpha import AlphaLevel, coincidence_matrix, difference_matrix, krippendorff_alpha
from .bands import interpret
from .comparability import (
    Comparability,
    MeanDifference,
    RateDifference,
    compare_rates,
    compare_scores,
    mean_difference,
    sample_size_for_proportion,
    wilson_interval,
)
from .design import Assignment, balanced_design, full_design, is_connected
from .drift import DriftResult, rater_drift
from .errors import InsufficientDataError
from .icc import ICC_FORMS, ICCForm, ICCMissing, ICCResult, icc
from .severity import RaschSeverity, RaterSeverity, rasch_severity, rater_severity

__all__ = [
    "ICC_FORMS",
    "AlphaLevel",
    "Assignment",
    "Comparability",
    "DriftResult",
    "ICCForm",
    "ICCMissing",
    "ICCResult",
    "InsufficientDataError",
    "KappaResult",
    "KappaWeights",
    "MeanDifference",
    "RaschSeverity",
    "RateDifference",
    "RaterSeverity",
    "agreement_pairs",
    "balanced_design",
    "category_counts",
    "cohen_kappa",
    "cohen_kappa_table",
    "coincidence_matrix",
    "compare_rates",
    "compare_scores",
    "difference_matrix",
    "fleiss_kappa",
    "full_design",
    "icc",
    "interpret",
    "is_connected",
    "krippendorff_alpha",
    "mean_difference",
    "percent_agreement",
    "rasch_severity",
    "rater_drift",
    "rater_severity",
    "sample_size_for_proportion",
    "wilson_interval",
]
