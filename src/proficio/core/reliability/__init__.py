"""Inter-rater reliability for moderation and calibration of scores.

Why this package: competency-based grading stands or falls on whether two
teachers would give the same work the same score. These kernels measure that
(percent agreement, Cohen's and Fleiss' kappa, Krippendorff's alpha, the six
Shrout & Fleiss ICCs), find raters who score harder or softer than their
peers (against consensus, and with a many-facet Rasch model) and track drift
across calibration sessions. They are pure Python + numpy (SciPy for F and t
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
    category_counts,
    cohen_kappa,
    cohen_kappa_table,
    fleiss_kappa,
    percent_agreement,
)
from .alpha import AlphaLevel, coincidence_matrix, difference_matrix, krippendorff_alpha
from .bands import interpret
from .drift import DriftResult, rater_drift
from .errors import InsufficientDataError
from .icc import ICC_FORMS, ICCForm, ICCMissing, ICCResult, icc
from .severity import RaschSeverity, RaterSeverity, rasch_severity, rater_severity

__all__ = [
    "ICC_FORMS",
    "AlphaLevel",
    "DriftResult",
    "ICCForm",
    "ICCMissing",
    "ICCResult",
    "InsufficientDataError",
    "KappaResult",
    "KappaWeights",
    "RaschSeverity",
    "RaterSeverity",
    "category_counts",
    "cohen_kappa",
    "cohen_kappa_table",
    "coincidence_matrix",
    "difference_matrix",
    "fleiss_kappa",
    "icc",
    "interpret",
    "krippendorff_alpha",
    "percent_agreement",
    "rasch_severity",
    "rater_drift",
    "rater_severity",
]
