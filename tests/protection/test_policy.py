"""The disclosure policy refuses unsafe values and round-trips through its stored form."""

from __future__ import annotations

import json

import pytest

from atlas.errors import PolicyRefused
from atlas.protection.policy import DisclosurePolicy, Dominance, GroupDisclosure, PPercent, RoundingPolicy


@pytest.mark.parametrize(
    "kw",
    [
        {"min_count": 2},
        {"group": GroupDisclosure(0.4)},
        {"dominance": Dominance(2, 120)},
        {"p_percent": PPercent(50, 40)},
        {"rounding": RoundingPolicy(base=7)},
    ],
)
def test_unsafe_values_refused(kw: dict) -> None:
    with pytest.raises(PolicyRefused):
        DisclosurePolicy(**kw)


def test_round_trip() -> None:
    p = DisclosurePolicy(method="rounding", dominance=Dominance(1, 60), p_percent=PPercent(10))
    again = DisclosurePolicy.from_dict(json.loads(json.dumps(p.to_dict())))
    assert again == p
