"""One protection for everything a holder has: linked tables, earlier releases, other populations, time.

Releases call it with what the recipients hold; the table service calls it with what the public holds,
so that an ad-hoc table, a profile or a briefing pack cannot be subtracted from an open release.
"""

from __future__ import annotations

from typing import Any

from atlas.errors import Issue, PolicyRefused
from atlas.protection.cube import PERTURBED, PRIMARY, SECONDARY, Cube
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.sharing.history import Held, check_differencing
from atlas.sharing.temporal import protect_over_time
from atlas.tables.spec import TableSpec


def protect_with_history(specs: list[TableSpec], cubes: list[Cube], pops: list[str],
                         earlier: list[Held]) -> list[ProtectedTable]:
    """Protect tables of one population together, with what the holder has of that same population, of
    the same filter on other data (changes over time) and of other filters (differencing)."""
    out: dict[int, ProtectedTable] = {}
    done: list[tuple[str, str, Any, list[str]]] = []
    for pop in dict.fromkeys(pops):
        idx = [i for i, p in enumerate(pops) if p == pop]
        policy = specs[idx[0]].policy
        _one_method(policy.method, pop, earlier, [specs[i].name for i in idx])
        before = [h.cube() for h in earlier if h.population == pop] if policy.method == "suppression" else None
        tables = protect([cubes[i] for i in idx], policy, names=[specs[i].name for i in idx],
                         title=[specs[i].title for i in idx], measure=specs[idx[0]].measure.kind,
                         published_before=before or None)
        tables = protect_over_time([cubes[i] for i in idx], tables, pop, earlier, policy)
        for i, t in zip(idx, tables, strict=True):
            if policy.method == "suppression":
                check_differencing(t, pop, earlier, done, policy.min_count)
            out[i] = t
        done += [(t.name, pop.split(":", 1)[0], t.cells, t.dim_names) for t in tables]
    return [out[i] for i in range(len(specs))]


def _family(method_or_flags: str | set[str]) -> str | None:
    """suppression or perturbation (cell key, rounding, DP); None for a held table that hid nothing."""
    if isinstance(method_or_flags, str):
        return "suppression" if method_or_flags == "suppression" else "perturbation"
    if PERTURBED in method_or_flags:
        return "perturbation"
    return "suppression" if method_or_flags & {PRIMARY, SECONDARY} else None


def _one_method(method: str, pop: str, earlier: list[Held], names: list[str]) -> None:
    """Refuse to mix suppression and perturbation on one population for one holder: a perturbed copy of a
    secondary cell, subtracted from an exact total, narrows the primary cell it was hiding (and the other
    way round), which neither method's guarantee covers."""
    filter_key = pop.split(":", 1)[0]
    mine = _family(method)
    for h in earlier:
        theirs = _family(set(h.cells["flag"].astype(str)))
        if h.filter_key == filter_key and theirs is not None and theirs != mine:
            raise PolicyRefused(
                f"{', '.join(names)}: the holder already has {h.name} ({h.release_id}) of the same population "
                f"protected by {theirs}; combining it with {mine} could narrow hidden cells", clause="method",
                issues=[Issue("method-mix", f"{h.name} was protected by {theirs}",
                              hint=f"protect this table by {theirs} too, or narrow its population with a filter")])
