"""Lifetime outcomes of the founding firms by profile: does cheating pay over a firm's whole horizon.

A firm that leaves or is expelled goes alone from then on, so its gain over going alone is zero for
the rest of the run. Measuring the founders over the whole horizon (not the members of a meeting)
counts cheating that gets a firm thrown out honestly, without survivorship bias.
"""

from __future__ import annotations

import pandas as pd

from ..model.profiles import NAMES


def founder_gains(firms: pd.DataFrame, steps: int) -> dict[str, float]:
    """Lifetime gain over going alone of the founding firms, by profile, as a share of going alone.

    Args:
        firms: a run's full firms table (``run.firm_table = "full"``).
        steps: meetings played (the horizon every founder is measured over).

    Returns:
        ``{profile: (sum of payoff - alone over its member-meetings) / (going alone x steps)}``,
        NaN for a profile with no founder.

    """
    f0 = firms[firms.step == 0]
    founders = f0.set_index("firm")
    member = firms[firms.firm.isin(founders.index)]
    gain = (member.payoff - member.alone).groupby(member.firm).sum()
    alone = founders.alone * steps  # a firm's going-alone income does not change over the run
    out = {}
    for name in NAMES:
        ids = founders.index[founders.profile == name]
        out[name] = float(gain.reindex(ids, fill_value=0.0).sum() / alone.loc[ids].sum()) if len(ids) else float("nan")
    return out
