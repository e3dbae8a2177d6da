"""Plain-language bands for reliability coefficients.

Why bands: teachers and school leaders read "substantial agreement" more
easily than "kappa = 0.67". The bands are published conventions, kept here
as data with their sources, so a report can cite them. They are rules of
thumb, not tests: always show the number (and its interval) alongside.
"""

from __future__ import annotations

import math

__all__ = [
    "ALPHA_KRIPPENDORFF",
    "ICC_KOO_LI",
    "KAPPA_LANDIS_KOCH",
    "STATISTIC_BANDS",
    "interpret",
]

# Landis, J. R. & Koch, G. G. (1977). The measurement of observer agreement for
# categorical data. Biometrics 33(1), 159-174, p. 165. Each entry is (upper
# bound, label): below 0 poor; 0.00-0.20 slight; 0.21-0.40 fair; 0.41-0.60
# moderate; 0.61-0.80 substantial; 0.81-1.00 almost perfect. An upper bound is
# inclusive (0.20 is "slight"), except that "poor" means strictly below 0.
KAPPA_LANDIS_KOCH: tuple[tuple[float, str], ...] = (
    (0.0, "poor (below 0)"),
    (0.2, "slight"),
    (0.4, "fair"),
    (0.6, "moderate"),
    (0.8, "substantial"),
    (1.0, "almost perfect"),
)

# Koo, T. K. & Li, M. Y. (2016). A guideline of selecting and reporting
# intraclass correlation coefficients for reliability research. Journal of
# Chiropractic Medicine 15(2), 155-163, p. 161: below 0.5 poor, 0.5-0.75
# moderate, 0.75-0.9 good, above 0.9 excellent. Each entry is (upper bound,
# label) with the bound exclusive (0.5 is "moderate", 0.9 "excellent").
ICC_KOO_LI: tuple[tuple[float, str], ...] = (
    (0.5, "poor"),
    (0.75, "moderate"),
    (0.9, "good"),
    (1.0, "excellent"),
)

# Krippendorff, K. (2004). Content Analysis: An Introduction to Its
# Methodology, 2nd ed., p. 241: rely on variables with alpha >= .800; consider
# variables with .667 <= alpha < .800 only for tentative conclusions.
ALPHA_KRIPPENDORFF: dict[str, float] = {
    "reliable_at_least": 0.8,
    "tentative_at_least": 0.667,
}

#: Which band table each statistic name uses.
STATISTIC_BANDS: dict[str, str] = {
    "kappa": "kappa_landis_koch",
    "cohen_kappa": "kappa_landis_koch",
    "fleiss_kappa": "kappa_landis_koch",
    "krippendorff_alpha": "alpha_krippendorff",
    "alpha": "alpha_krippendorff",
    "icc": "icc_koo_li",
    **{form.lower(): "icc_koo_li" for form in ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")},
}

# Coefficients may exceed 1 by rounding only.
_SLACK = 1e-9


def _kappa_band(value: float) -> str:
    if value < KAPPA_LANDIS_KOCH[0][0]:
        return KAPPA_LANDIS_KOCH[0][1]
    for upper, label in KAPPA_LANDIS_KOCH[1:-1]:
        if value <= upper:
            return label
    return KAPPA_LANDIS_KOCH[-1][1]


def _icc_band(value: float) -> str:
    for upper, label in ICC_KOO_LI[:-1]:
        if value < upper:
            return label
    return ICC_KOO_LI[-1][1]


def _alpha_band(value: float) -> str:
    if value >= ALPHA_KRIPPENDORFF["reliable_at_least"]:
        return "reliable"
    if value >= ALPHA_KRIPPENDORFF["tentative_at_least"]:
        return "tentative"
    return "unreliable"


def interpret(statistic_name: str, value: float) -> str:
    """The plain-language band of a coefficient, e.g. ``interpret("kappa", 0.7)``.

    Statistic names: ``kappa``, ``cohen_kappa``, ``fleiss_kappa`` (Landis &
    Koch 1977); ``krippendorff_alpha`` / ``alpha`` (Krippendorff 2004:
    "reliable", "tentative" or "unreliable"); ``icc`` or a form name such as
    ``ICC2k`` (Koo & Li 2016). Case-insensitive.

    Raises:
        ValueError: unknown statistic, or a value that is not a number <= 1.
    """
    table = STATISTIC_BANDS.get(statistic_name.lower())
    if table is None:
        known = ", ".join(sorted(STATISTIC_BANDS))
        raise ValueError(f"no published bands for {statistic_name!r}; known: {known}")
    number = float(value)
    if not math.isfinite(number) or number > 1.0 + _SLACK:
        raise ValueError(
            f"{statistic_name} must be a finite number no greater than 1; got {value!r}"
        )
    if table == "kappa_landis_koch":
        return _kappa_band(number)
    if table == "icc_koo_li":
        return _icc_band(number)
    return _alpha_band(number)
