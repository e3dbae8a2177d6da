"""The one exception the reliability kernels raise for "not enough data".

Why a dedicated type: a statistic computed from too little data (no unit scored
by two raters, a single category in use, no complete units for a balanced ICC)
is undefined, and returning NaN would let it flow silently into a report. The
callers (calibration views, batch jobs) catch this one type and show its
message, which always says what is missing.
"""

from __future__ import annotations

__all__ = ["InsufficientDataError"]


class InsufficientDataError(ValueError):
    """The data are too sparse or too uniform for the statistic to be defined.

    The message names what is missing, e.g. "need at least 2 raters who
    scored the same unit; got 0 pairable units".
    """
