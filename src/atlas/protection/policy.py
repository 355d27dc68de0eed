"""The disclosure policy as an explicit, typed value: passed into protection and stored with every release."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from atlas.errors import Issue, PolicyRefused

Method = Literal["suppression", "cell_key", "rounding", "dp"]
SecondaryMethod = Literal["fast", "optimal", "auto"]


@dataclass(frozen=True)
class GroupDisclosure:
    """Attribute disclosure: a published group must not show (nearly) all its members in one sensitive category."""

    threshold: float = 0.9
    max_group_n: int | None = None


@dataclass(frozen=True)
class Dominance:
    """(n, k) rule: the `n` largest contributions must not exceed `k` percent of the cell total."""

    n: int = 2
    k: float = 85.0


@dataclass(frozen=True)
class PPercent:
    """p% (and pq) rule: the second largest contributor must not estimate the largest within p% (p/q)."""

    p: float = 10.0
    q: float = 100.0


@dataclass(frozen=True)
class ProtectionIntervalPolicy:
    """How wide the interval of every suppressed cell must stay, given everything published."""

    lower_pct: float = 0.0
    upper_pct: float = 0.0
    absolute: float | None = None


@dataclass(frozen=True)
class RoundingPolicy:
    """Rounding to a base; `random` is unbiased and seeded by the cell key so it is repeatable."""

    base: int = 5
    mode: Literal["random", "conventional"] = "random"


@dataclass(frozen=True)
class CellKeyPolicy:
    """Cell-key perturbation: the default p-table from (D, V, js) or a tau-Argus p-table file."""

    max_perturbation: int = 3
    variance: float = 1.0
    ptable: str | None = None


@dataclass(frozen=True)
class DPPolicy:
    """Differential privacy for counts: epsilon per table release (pure DP, discrete Laplace noise)."""

    epsilon: float = 1.0
    seed: int | None = None


@dataclass(frozen=True)
class DisclosurePolicy:
    """Every threshold that decides what is published, in one frozen value."""

    method: Method = "suppression"
    min_count: int = 10
    zeros: Literal["published", "protected"] = "published"
    group: GroupDisclosure | None = field(default_factory=GroupDisclosure)
    dominance: Dominance | None = None
    p_percent: PPercent | None = None
    secondary: SecondaryMethod = "auto"
    interval: ProtectionIntervalPolicy = field(default_factory=ProtectionIntervalPolicy)
    rounding: RoundingPolicy = field(default_factory=RoundingPolicy)
    cell_key: CellKeyPolicy = field(default_factory=CellKeyPolicy)
    dp: DPPolicy = field(default_factory=DPPolicy)
    time_limit: float = 60.0  # seconds for secondary suppression, audit and repair (large sparse tables need more)

    def __post_init__(self) -> None:
        problems = list(_problems(self))
        if problems:
            raise PolicyRefused(
                "disclosure policy is not safe or not valid",
                clause="policy",
                issues=[Issue("policy-invalid", p) for p in problems],
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form, stored in structure.json and with the release."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DisclosurePolicy:
        """Inverse of `to_dict`; nested rules given as mappings."""
        kinds = {
            "group": GroupDisclosure,
            "dominance": Dominance,
            "p_percent": PPercent,
            "interval": ProtectionIntervalPolicy,
            "rounding": RoundingPolicy,
            "cell_key": CellKeyPolicy,
            "dp": DPPolicy,
        }
        kw = {k: (kinds[k](**v) if k in kinds and isinstance(v, dict) else v) for k, v in data.items()}
        return cls(**kw)


def _problems(p: DisclosurePolicy) -> list[str]:
    out: list[str] = []
    if p.min_count < 3:
        out.append(f"min_count {p.min_count} is below 3 and cannot protect anyone")
    if p.group is not None and not 0.5 < p.group.threshold <= 1.0:
        out.append("group disclosure threshold must be in (0.5, 1]")
    if p.dominance is not None and not (p.dominance.n >= 1 and 0 < p.dominance.k <= 100):
        out.append("dominance needs n >= 1 and 0 < k <= 100")
    if p.p_percent is not None and not (0 < p.p_percent.p <= p.p_percent.q <= 100):
        out.append("p% rule needs 0 < p <= q <= 100")
    if p.rounding.base not in (2, 3, 5, 10, 100):
        out.append(f"rounding base {p.rounding.base} not supported (3, 5, 10)")
    if p.cell_key.max_perturbation < 1 or p.cell_key.variance <= 0:
        out.append("cell key needs max_perturbation >= 1 and variance > 0")
    if p.dp.epsilon <= 0:
        out.append("dp epsilon must be positive")
    if not 1.0 <= p.time_limit <= 86_400.0:
        out.append("time_limit must be between 1 and 86,400 seconds")
    iv = p.interval
    if iv.lower_pct < 0 or iv.upper_pct < 0 or (iv.absolute is not None and iv.absolute < 0):
        out.append("protection interval must not be negative")
    return out
