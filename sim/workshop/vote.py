"""The reglamento vote of a workshop group: the options, how each profile votes and who decides.

At its reglamento meeting (``rules.adopt_at``) a workshop group votes three items of its reglamento
interno (004:L1963-2031; DOMAIN.md §2.4): the decision rule (item 3, 004:L689-692), the sanctions
(004:L2026-2029) and the admission of new members (item 4, 004:L276-280, 004:L2695-2699). Each
option is a set of scenario overrides (:data:`ITEMS`), so the voted rules are an ordinary,
validated scenario. Members played by a profile vote as :data:`PROFILE_VOTES` says. The group's
decision rule in force *before* the vote decides: ``majority`` takes the most voted option (a tie
keeps the status quo if it is among the tied, else the first tied option in the listed order),
``consensus`` needs every member to agree (otherwise the status quo stays), ``leader`` takes the
vote of the member the others trust most.
"""

from __future__ import annotations

from collections import Counter

from ..model.scenario import Scenario

# option -> scenario overrides ({} keeps what the scenario says); the first option of each item is
# what the phone preselects
ITEMS: dict[str, dict[str, dict]] = {
    "decision": {
        "majority": {"rules.decision": "majority"},
        "consensus": {"rules.decision": "consensus"},
        "leader": {"rules.decision": "leader"},
    },
    "sanctions": {
        "graduated": {"sanctions.enabled": True, "sanctions.warning": True, "sanctions.expulsion_strikes": 3},
        "strict": {"sanctions.enabled": True, "sanctions.warning": False, "sanctions.expulsion_strikes": 2,
                   "rules.monitoring": 0.6},
        "none": {"sanctions.enabled": False},
    },
    "admission": {
        "screened": {"rules.admission": "screened"},
        "open": {"rules.admission": "open"},
        "dipat": {"rules.admission": "dipat"},
    },
}

# Designer note (not in the seeds): how members played by a profile vote, read from the guide's
# table (004:L1883-1951). The santo is "cooperativo y uso de reglas": consensus, strict sanctions,
# screening. The sólido ciudadano wants rules that make the others cooperate too: majority,
# graduated sanctions, screening. The tengo que ganar is after its own advantage and open about it:
# a fast leader, no sanctions, open doors. The oportunista keeps up appearances but wants no control
# that could catch it: majority (it hides in the crowd), no sanctions, open admission.
PROFILE_VOTES: dict[str, dict[str, str]] = {
    "santo": {"decision": "consensus", "sanctions": "strict", "admission": "screened"},
    "solido": {"decision": "majority", "sanctions": "graduated", "admission": "screened"},
    "tengo": {"decision": "leader", "sanctions": "none", "admission": "open"},
    "oportunista": {"decision": "majority", "sanctions": "none", "admission": "open"},
}


def status_quo(scenario: Scenario) -> dict[str, str]:
    """The option of each item that the scenario's own rules match (what stays if the vote fails)."""
    flat = scenario.flat()
    out = {}
    for item, options in ITEMS.items():
        match = [opt for opt, over in options.items() if all(flat[k] == v for k, v in over.items())]
        out[item] = match[0] if match else ""
    return out


def check_ballot(ballot: dict) -> dict[str, str]:
    """A ballot with one known option per item.

    Raises:
        ValueError: an unknown item or option (the message lists what is allowed).

    """
    out = {}
    for item, option in ballot.items():
        if item not in ITEMS:
            raise ValueError(f"vote: unknown item {item!r}; allowed: {', '.join(ITEMS)}")
        if option not in ITEMS[item]:
            raise ValueError(f"vote: item {item!r} got {option!r}; allowed: {', '.join(ITEMS[item])}")
        out[item] = option
    return out


def decide(rule: str, ballots: list[dict[str, str]], quo: dict[str, str], leader: int) -> dict[str, str]:
    """The group's choice per item under its decision rule.

    Args:
        rule: the decision rule in force (``majority``, ``consensus`` or ``leader``).
        ballots: one complete ballot per member, in seat order.
        quo: the status quo per item (:func:`status_quo`); '' when the scenario matches no option.
        leader: index in ``ballots`` of the member the others trust most.

    """
    out = {}
    for item, options in ITEMS.items():
        votes = [b[item] for b in ballots]
        keep = quo[item] or next(iter(options))
        if not votes:
            out[item] = keep
        elif rule == "leader":
            out[item] = votes[leader]
        elif rule == "consensus":
            out[item] = votes[0] if len(set(votes)) == 1 else keep
        else:
            count = Counter(votes)
            top = max(count.values())
            tied = [opt for opt in options if count.get(opt, 0) == top]
            out[item] = keep if keep in tied else tied[0]
    return out


def apply(scenario: Scenario, choice: dict[str, str]) -> Scenario:
    """The scenario with the chosen options of each item applied."""
    overrides = {}
    for item, option in choice.items():
        overrides.update(ITEMS[item][option])
    return scenario.replace(overrides, origin="vote") if overrides else scenario
