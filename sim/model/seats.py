"""Seat arithmetic: sums over the seats of every group.

State arrays are shaped ``(groups, seats)``. A group's sums must not depend on how many groups are
played (a replication alone or inside a batch gives the same tables), so a sum over seats is
NumPy's reduction along the last axis, which sums each row by itself; a matrix product with a
vector of ones (faster on many rows) lets BLAS block the rows, and the last bit of a row's sum then
changes with the number of rows in the call. Booleans and integers give exact integer counts.
"""

from __future__ import annotations

import numpy as np


def seat_sum(x, keepdims: bool = False) -> np.ndarray:
    """Sum over the last axis (the seats); exact counts for boolean and integer arrays."""
    x = np.asarray(x)
    if x.dtype.kind in "biu":
        out = x.sum(axis=-1, dtype=np.int64)
    else:
        out = np.add.reduce(x, axis=-1)
    return out[..., None] if keepdims else out


def seat_sum_rows(x) -> np.ndarray:
    """Sum over the second-to-last axis of a (groups, seats, seats) array: column sums per group."""
    return np.add.reduce(np.asarray(x), axis=-2)
