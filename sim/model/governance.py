"""The reglamento interno: decision rule, monitoring, graduated sanctions, admission and conflicts.

The guide lists eight items of a group's internal rules (004:L1963-2031; DOMAIN.md §2.4). The model
turns them into numbers the meeting uses:

* **Decision rule** (004:L689-692): consensus is transparent (trust rises) but slow (leads are
  missed) and frustrating (exit hazard up); a leader decides fast but opaquely; majority sits
  between. The effects per rule are scenario parameters (``rules.<rule>_*``), read by
  :func:`decision_rule`.
* **Monitoring** (004:L669-671): chance that a furtive act is detected, combined with the
  facilitator's information and santos' reports, as independent channels (compiled in
  ``decide_members``, sim/model/kernels.py).
* **Graduated sanctions** (004:L2026-2029): a warning at the first strike (optional), a fine per
  strike after that, expulsion at ``expulsion_strikes``. The rule is compiled with the meeting's
  monitoring: ``_sanction`` in sim/model/kernels.py (``monitor_members``; the next strike's
  sanction, which firms weigh before deciding, in ``decide_members``).
* **Admission** (item 4; DIPAT 004:L276-280; closure 004:L2695-2699) and **conflict resolution**
  (item 8; 004:L2019-2024): the damage a conflict leaves after the group's mechanism and the
  facilitator is compiled with the meeting's conflicts: ``_defused`` in sim/model/kernels.py
  (``resolve_groups``).

Functions here are pure: draws are made by the model and passed in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DecisionRule:
    """Costs and benefits of a decision rule."""

    lead_miss: float      # share of routed leads the group is too slow to serve
    transparency: float   # trust lift per meeting (negative: opacity erodes it)
    tc_factor: float      # multiplier on transaction costs (meeting time)
    frustration: float    # multiplier on the exit hazard


def decision_rule(rules) -> DecisionRule:
    """The costs and benefits of the scenario's decision rule (``rules.decision``), from its parameters."""
    name = rules.decision
    return DecisionRule(lead_miss=getattr(rules, f"{name}_lead_miss"),
                        transparency=getattr(rules, f"{name}_transparency"),
                        tc_factor=getattr(rules, f"{name}_tc"),
                        frustration=getattr(rules, f"{name}_frustration"))


