"""Seat arithmetic: sums over the seats of every group.

State arrays are shaped ``(groups, seats)`` with few seats (about 10-15). :func:`seat_sum` sums each
group's seats with a compiled loop in seat order (sim/model/kernels.py), so a group's sum never depends
on how many groups are summed with it (a BLAS product ``x @ ones`` may add a row in another order
when given more rows), and one short loop costs less than a NumPy reduction over a short axis.
Booleans and integers give exact int64 counts.
"""

from __future__ import annotations

import numpy as np

from . import kernels

# the kernel for a C-contiguous (groups, seats) array of each dtype it takes as it is
_DIRECT = {np.dtype(bool): kernels.seat_counts, np.dtype(np.int64): kernels.seat_counts,
           np.dtype(np.float64): kernels.seat_totals}


def seat_sum(x, keepdims: bool = False) -> np.ndarray:
    """Sum over the last axis (the seats), in seat order; exact int64 counts for boolean and integer arrays."""
    if type(x) is np.ndarray and x.ndim == 2 and not keepdims and x.flags.c_contiguous:
        # the state arrays themselves (the common case): straight to the kernel, which takes them
        # as they are (the same kernel and signature as below; about a microsecond less per call)
        kernel = _DIRECT.get(x.dtype)
        if kernel is not None:
            return kernel(x)
    x = np.asarray(x)
    rows = x.reshape(-1, x.shape[-1])
    if x.dtype.kind in "biu":
        out = kernels.seat_counts(np.ascontiguousarray(rows, dtype=np.int64 if x.dtype.kind != "b" else bool))
    else:
        out = kernels.seat_totals(np.ascontiguousarray(rows, dtype=np.float64))
    out = out.reshape(x.shape[:-1])
    return out[..., None] if keepdims else out
