"""Seeds: one integer seed per run; replications derived with ``SeedSequence.spawn``.

A replicated experiment has a root seed; replication k runs with the k-th child of
``np.random.SeedSequence(root).spawn(n)``, reduced to an integer. The derivation depends only on
(root, k), never on worker count or order, so any run can be repeated on its own.
"""

from __future__ import annotations

import numpy as np


def replication_seeds(root: int, n: int) -> list[int]:
    """Integer seeds of n replications derived from a root seed."""
    children = np.random.SeedSequence(int(root)).spawn(int(n))
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]


def to_seed(value, origin: str = "seed") -> int:
    """A seed typed by a person (e.g. in a dashboard) as an integer; ``"42"`` becomes 42.

    Raises:
        ValueError: the text is not a non-negative whole number.

    """
    if isinstance(value, bool):
        raise ValueError(f"{origin}: {value!r} is not a seed; allowed: a whole number >= 0")
    try:
        seed = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise ValueError(f"{origin}: {value!r} is not a seed; allowed: a whole number >= 0") from None
    if seed < 0 or seed > 2**63 - 1:
        raise ValueError(f"{origin}: {value!r} is not a seed; allowed: a whole number from 0 to 2**63-1")
    return seed
