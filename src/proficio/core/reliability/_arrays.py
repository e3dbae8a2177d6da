"""Input checks shared by the reliability kernels.

Every kernel takes ratings as a 2-D array with raters as rows and units
(students, pieces of work) as columns, NaN (or None) meaning "not scored".
Checking shape and finiteness in one place keeps the error messages alike.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def as_ratings(data: ArrayLike, name: str = "data") -> FloatArray:
    """Return ``data`` as a float64 raters x units matrix; NaN marks missing."""
    try:
        ratings = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric (NaN or None for missing): {exc}") from exc
    if ratings.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D with raters as rows and units as columns; "
            f"got {ratings.ndim}-D with shape {ratings.shape}"
        )
    if np.isinf(ratings).any():
        raise ValueError(f"{name} contains infinite values; use NaN for missing ratings")
    return ratings


def as_vector(data: ArrayLike, name: str) -> FloatArray:
    """Return ``data`` as a float64 1-D array; NaN marks missing."""
    try:
        vector = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric (NaN or None for missing): {exc}") from exc
    if vector.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {vector.shape}")
    if np.isinf(vector).any():
        raise ValueError(f"{name} contains infinite values; use NaN for missing ratings")
    return vector


# Whole-number scores spanning at most this many steps are encoded by bincount.
_MAX_BINCOUNT_SPAN = 1 << 24


def encode_values(values: FloatArray) -> tuple[FloatArray, IntArray]:
    """Distinct values (ascending) and, for each value, its index among them."""
    if values.size == 0:
        return values.copy(), np.zeros(0, dtype=np.int64)
    low, high = float(values.min()), float(values.max())
    if high - low <= _MAX_BINCOUNT_SPAN and bool((values == np.floor(values)).all()):
        # Rubric scores are whole numbers: a bincount beats sorting millions of floats.
        offsets = (values - low).astype(np.int64)
        present = np.bincount(offsets, minlength=int(high - low) + 1) > 0
        remap = np.cumsum(present) - 1
        return low + np.flatnonzero(present).astype(np.float64), remap[offsets]
    distinct, codes = np.unique(values, return_inverse=True)
    return distinct, codes.astype(np.int64).reshape(-1)
