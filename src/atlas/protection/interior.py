"""Null-space certificates on the interior cells of one large cube, for components too large for an LP.

Every change that keeps a complete cube additive is fixed by its interior cells (leaves in every
dimension): a margin moves by the sum of the interior cells under it. So a direction of the whole table
is an `alpha` over the suppressed interior cells whose sum is zero under every held margin (published,
absent, or too near 0 or the cap to move): one group-sum condition per margin, and for each *type* of
margin (which level of each hierarchy it stands at) the groups are disjoint. Projecting onto the zero-sum
subspace of one type is exact and cheap (subtract each group's mean), so a random vector is projected
onto the intersection by conjugate gradients on a symmetric sweep over the types (the Kaczmarz-type
splitting of Björck and Elfving's CGMN): where least squares on the whole relation matrix stalls (a
residual of 4e-4 after 8,800 LSMR iterations on 1.3M cells), this reaches 1e-8 in about 2,000 sweeps.

Nothing here is trusted: the direction is lifted to every suppressed cell, and `atlas.protection.
nullspace.credit_direction` measures its residual against the relation matrix itself, keeps the end
tables within the centres' tolerance and credits a cell only far above the noise.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from atlas.protection.ancestors import CubeTree
from atlas.protection.certify import Bounds
from atlas.protection.nullspace import MARGIN, credit_direction
from atlas.protection.relations import CellSpace

log = logging.getLogger(__name__)

TARGET = 1e-11
CHECK_EVERY = 25
STALL_CHECKS = 12
DIRECTIONS = 2
MAX_SWEEPS = 20_000


@dataclass
class _Type:
    """The interior columns under held margins of one type, their margin (group) and group sizes."""

    cols: np.ndarray
    group: np.ndarray
    size: np.ndarray


@dataclass
class InteriorSystem:
    """Free interior cells (`cells`, unified indices), the zero-sum groups by type, and the lift to all
    free cells (`lift`: unified cells x interior columns)."""

    cells: np.ndarray
    types: list[_Type]
    lift: sp.csr_matrix

    def sweep(self, x: np.ndarray) -> np.ndarray:
        """Symmetric sweep of exact projections, one type at a time, forward then back."""
        x = x.copy()
        order = list(range(len(self.types)))
        for t in order + order[-2::-1]:
            ty = self.types[t]
            x[ty.cols] -= (np.bincount(ty.group, weights=x[ty.cols], minlength=len(ty.size)) / ty.size)[ty.group]
        return x

    def residual(self, x: np.ndarray) -> float:
        """Largest group sum: how far `x` is from summing to zero under every held margin."""
        return max((float(np.abs(np.bincount(t.group, weights=x[t.cols], minlength=len(t.size))).max())
                    for t in self.types), default=0.0)


def interior_system(space: CellSpace, free: np.ndarray) -> InteriorSystem | None:
    """The system of a single cube's free cells; None for linked cubes (their interiors differ)."""
    tree = CubeTree.of(space)
    if tree is None:
        return None
    cells = np.flatnonzero(tree.interior(space) & free)
    if len(cells) == 0:
        return None
    found: list[tuple[tuple[int, ...], np.ndarray, np.ndarray]] = []
    lift_rows, lift_cols = [], []
    for levels, keys in tree.above(space, space.coords[cells]):
        idx = np.where(keys >= 0, space.find(keys), -1)
        moves = (idx >= 0) & free[np.maximum(idx, 0)]
        lift_rows.append(idx[moves])
        lift_cols.append(np.flatnonzero(moves))
        held = (keys >= 0) & ~moves
        if any(levels) and held.any():
            found.append((levels, held, keys))
    rows, cols = np.concatenate(lift_rows), np.concatenate(lift_cols)
    lift = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(space.n, len(cells)))
    return InteriorSystem(cells, _needed_types(found), lift)


def _needed_types(found: list[tuple[tuple[int, ...], np.ndarray, np.ndarray]]) -> list[_Type]:
    """Groups of each type, less those implied by a finer type: a held margin all of whose interior
    cells lie under held margins of one finer type is their sum, so it changes nothing in the null space
    but costs a projection per sweep."""
    out = []
    for levels, held, keys in found:
        k = keys[held]
        _, group = np.unique(k, return_inverse=True)
        implied = np.zeros(group.max() + 1, dtype=bool) if len(group) else np.zeros(0, dtype=bool)
        for fine_levels, fine_held, _ in found:
            if fine_levels != levels and all(f <= c for f, c in zip(fine_levels, levels)):
                implied |= np.bincount(group, weights=~fine_held[held], minlength=len(implied)) == 0
        keep = ~implied[group]
        if keep.any():
            _, g = np.unique(group[keep], return_inverse=True)
            out.append(_Type(np.flatnonzero(held)[keep], g, np.bincount(g).astype(float)))
    return out


def project(system: InteriorSystem, r: np.ndarray, deadline: float) -> np.ndarray | None:
    """`r` minus its component in the span of the group indicators: CG on (I - sweep) u = (I - sweep) r.

    Rounding lets CG drift away again once converged, so the iterate of least residual is kept; it stops
    at `TARGET`, after `STALL_CHECKS` checks without a better one, or (None) at `deadline`."""
    def op(p: np.ndarray) -> np.ndarray:
        return p - system.sweep(p)

    res = op(r)
    u = np.zeros_like(r)
    p = res.copy()
    rr = float(res @ res)
    best, best_v, since = np.inf, r, 0
    for it in range(1, MAX_SWEEPS + 1):
        q = op(p)
        pq = float(p @ q)
        if rr == 0.0 or pq <= 0.0:
            break
        step = rr / pq
        u += step * p
        res -= step * q
        rr_next = float(res @ res)
        p = res + (rr_next / rr) * p
        rr = rr_next
        if it % CHECK_EVERY == 0:
            v = r - u
            e = system.residual(v) / max(float(np.abs(v).max()), 1e-300)
            log.debug("interior projection: %d sweeps, residual %.1e", it, e)
            if e < best:
                best, best_v, since = e, v, 0
            else:
                since += 1
            if best <= TARGET or since >= STALL_CHECKS:
                break
            if time.perf_counter() > deadline:
                return None
    v = r - u
    return v if system.residual(v) / max(float(np.abs(v).max()), 1e-300) < best else best_v


def widen_by_interior(space: CellSpace, unknown: np.ndarray, cap: float, bounds: Bounds,
                      deadline: float, seed: int = 0) -> int:
    """Prove what interior directions can among the cells `bounds` still needs; returns end tables used.

    The second direction starts from the interior cells under those still unproven only, so that their
    moves are not dwarfed by the large margins that normalise the first; it is skipped when another solve
    as long as the first would overrun `deadline` (the few cells left then cost a pair repair instead)."""
    x = space.value
    free = unknown & (x >= MARGIN) & (cap - x >= MARGIN)
    begun = time.perf_counter()
    system = interior_system(space, free)
    if system is None:
        return 0
    log.debug("interior system: %d columns, %d types, %d group entries, built in %.1f s", len(system.cells),
              len(system.types), sum(len(t.cols) for t in system.types), time.perf_counter() - begun)
    rng = np.random.default_rng(seed)
    cols = np.flatnonzero(free)
    r = rng.standard_normal(len(system.cells))
    used = 0
    for _ in range(DIRECTIONS):
        before = len(bounds.pending())
        if before == 0 or (used and time.perf_counter() + (time.perf_counter() - begun) > deadline):
            break  # a second solve would not fit: the cells left go to the pair repair instead
        alpha = project(system, r, deadline)
        if alpha is None:
            break
        used += credit_direction(space.relations, x, np.full(space.n, cap), cols, (system.lift @ alpha)[cols], bounds)
        left = bounds.pending()
        if len(left) == 0 or len(left) == before:
            break
        under = np.unique(system.lift[left].indices)
        r = np.zeros(len(system.cells))
        r[under] = rng.standard_normal(len(under))
    return used
