"""Interval audit: the attacker's LP min and max of every suppressed cell, given everything published.

The attacker knows every published cell of the cubes released together and of earlier releases, every
additive relation, that tied cells are equal and that no cell is negative. First, box certificates
(`atlas.protection.boxes`: null directions of every relation found combinatorially, each checked) prove
most cells of box-rich tables without any LP; where more than `INTERIOR_ABOVE` cells are left (large
sparse cubes), random directions over the interior cells (`atlas.protection.interior`) prove nearly all
of them. The cells left fall into independent components (linked through relations holding two or more
of them), audited one by one: interior-point centres of their
neighbourhoods or of the whole component (`atlas.protection.certify`), and on components too large for
one centre random null-space directions first (`atlas.protection.nullspace`), prove most of the rest at once
(`exact=False`: their bounds are inner bounds, the true interval is at least as wide); every cell still
unproven gets its exact LP max and min on one warm-started HiGHS model (`exact=True`). A cell is reported
unprotected only by its exact bounds, or, when a deadline cut the exact LPs short or its component is too
large for one LP (`CENTRE_MAX` cells), because it was not proven (conservative).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from atlas.protection.boxes import widen_by_boxes
from atlas.protection.certify import CENTRE_ABOVE, Bounds, Centres, exact_cells, local_cells, sum_rounds
from atlas.protection.cube import Cube
from atlas.protection.interior import widen_by_interior
from atlas.protection.interval import ProtectionInterval
from atlas.protection.lp import equality_lp
from atlas.protection.nullspace import widen_by_nullspace
from atlas.protection.relations import CellSpace

log = logging.getLogger(__name__)

LOCAL_ABOVE = 2_000
LOCAL_MAX = 200
CENTRE_RADII = (1, 2)
CENTRE_LEFT = 20
CENTRE_MAX = 200_000
INTERIOR_ABOVE = 20_000
SETTLED_SHARE = 0.01
WHOLE_SHARE = 0.6
CHUNK = 2_000
MIN_YIELD = 0.02


@dataclass
class AuditResult:
    """One row per suppressed cell of each cube: true value, LP lower/upper, requirement met or not."""

    cells: pd.DataFrame

    @property
    def ok(self) -> bool:
        return bool(self.cells["protected"].all())

    @property
    def failures(self) -> pd.DataFrame:
        return self.cells[~self.cells["protected"]]

    def summary(self) -> dict[str, int | bool]:
        """Counts stored with a release; `exposed` counts cells whose exact LP bounds coincide."""
        c = self.cells
        exposed = c["primary"] & ~c["protected"] & c["exact"] & (c["upper"] - c["lower"] <= 1e-9)
        return {"suppressed": len(c), "primary": int(c["primary"].sum()), "exact": int(c["exact"].sum()),
                "exposed": int(exposed.sum()), "unprotected": int((~c["protected"]).sum()), "ok": self.ok}


@dataclass
class SpaceAudit:
    """Audit on unified cells (internal form shared with the suppression loop)."""

    lower: np.ndarray
    upper: np.ndarray
    exact: np.ndarray
    protected: np.ndarray


def requirement_arrays(space: CellSpace, cubes: list[Cube], protection: ProtectionInterval,
                       need: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per unified cell (lower, upper, width) requirement; zero for cells in no need of protection."""
    lo_pl = np.zeros(space.n)
    up_pl = np.zeros(space.n)
    for cube, idx in zip(cubes, space.cube_cells):
        for col, arr in (("lower_pl", lo_pl), ("upper_pl", up_pl)):
            if col in cube.cells:
                np.maximum.at(arr, idx, np.nan_to_num(cube.cells[col].to_numpy(dtype=float)))
    req = protection.requirements(space.value, lo_pl, up_pl)
    return tuple(np.where(need, r, 0.0) for r in req)  # type: ignore[return-value]


def audit_space(space: CellSpace, unknown: np.ndarray, req: tuple[np.ndarray, np.ndarray, np.ndarray],
                need: np.ndarray, *, deadline: float | None = None) -> SpaceAudit:
    """Bounds of every unknown cell; `need` marks cells whose requirement `req` must hold.

    Without `deadline` the answer is complete on components of up to `CENTRE_MAX` cells: every cell in
    need is proven protected or shown not to be by its exact LP min and max. With one, exact LPs stop at
    the deadline and the cells left are reported unprotected (conservative: the suppression loop then
    repairs and certifies them); so are the cells no certificate proves in larger components.
    """
    x = space.value
    lower, upper = x.copy(), x.copy()
    exact = np.zeros(space.n, dtype=bool)
    s = np.flatnonzero(unknown)
    if len(s):
        a = space.relations
        a_s = a[:, s].tocsr()
        b = -(a[:, np.flatnonzero(~unknown)] @ x[~unknown])
        rows = np.flatnonzero(a_s.getnnz(axis=1) > 0)
        a_s, b = a_s[rows], b[rows]
        cap = 1.5 * (np.abs(x).max() + max(r.max() for r in req)) + 1.0
        boxes = Bounds.start(x, req, need & unknown)
        used = widen_by_boxes(space, unknown, cap, boxes)
        log.debug("%d boxes leave %d of %d cells unproven", used, len(boxes.pending()), int((need & unknown).sum()))
        before = len(boxes.pending())
        settled = before > INTERIOR_ABOVE and widen_by_interior(
            space, unknown, cap, boxes, np.inf if deadline is None else deadline) > 0 and len(
            boxes.pending()) <= SETTLED_SHARE * before
        for cells, crow in _components(a_s):
            sub = a_s[crow][:, cells]
            if settled and len(cells) > LOCAL_ABOVE:  # cells the interior directions left are pinned: no LP helps
                lower[s[cells]], upper[s[cells]] = boxes.lower[s[cells]], boxes.upper[s[cells]]
                continue
            got = _component_bounds(sub, b[crow], x[s[cells]], tuple(r[s[cells]] for r in req),
                                    need[s[cells]], cap, deadline, (boxes.lower[s[cells]], boxes.upper[s[cells]]))
            lower[s[cells]], upper[s[cells]], exact[s[cells]] = got.lower, got.upper, got.exact
    upper = np.where(upper >= cap * (1 - 1e-9), np.inf, upper) if len(s) else upper
    protected = ProtectionInterval.holds(lower, upper, x, req) | ~need
    return SpaceAudit(lower, upper, exact, protected)


def _components(a_s: sp.csr_matrix) -> list[tuple[np.ndarray, np.ndarray]]:
    _m, n = a_s.shape
    pattern = (a_s != 0).astype(np.int8)
    graph = sp.bmat([[None, pattern.T], [pattern, None]], format="csr")
    _, lab = connected_components(graph, directed=False)
    cell_lab, row_lab = lab[:n], lab[n:]
    corder = np.argsort(cell_lab, kind="stable")
    rorder = np.argsort(row_lab, kind="stable")
    cb = np.searchsorted(cell_lab[corder], np.unique(cell_lab))
    ce = np.append(cb[1:], n)
    out = []
    for beg, end in zip(cb, ce):
        cells = corder[beg:end]
        l0 = cell_lab[cells[0]]
        rb, re = np.searchsorted(row_lab[rorder], [l0, l0 + 1])
        out.append((cells, np.sort(rorder[rb:re])))
    return out


def _component_bounds(a: sp.csr_matrix, b: np.ndarray, x: np.ndarray, req: tuple[np.ndarray, ...],
                      need: np.ndarray, cap: float, deadline: float | None,
                      start: tuple[np.ndarray, np.ndarray]) -> Bounds:
    """Certificates first (boxes in `start`, centre, signed sums, neighbourhoods), exact LPs for the cells left."""
    n = a.shape[1]
    bounds = Bounds.start(x, req, need)
    bounds.lower[:], bounds.upper[:] = np.minimum(bounds.lower, start[0]), np.maximum(bounds.upper, start[1])
    if a.shape[0] == 0:
        bounds.lower[:] = 0.0
        bounds.upper[:] = np.inf
        bounds.exact[:] = True
        return bounds
    caps = np.full(n, cap)
    if n > CENTRE_MAX:
        widen_by_nullspace(a, bounds, caps, deadline=deadline)
    _centres(a, bounds, caps, deadline)
    h = None
    for step in ("few", "sums", "local", "exact"):
        left = bounds.pending()
        if len(left) == 0:
            break
        few = n > LOCAL_ABOVE and len(left) <= max(LOCAL_MAX, n // 100)
        if n > CENTRE_MAX and not few:
            break  # no whole-component LP this size: the cells left stay unproven (conservative)
        log.debug("component %d: %s step on %d unproven", n, step, len(left))
        if step in ("few", "local") and few:
            local_cells(a, bounds, left, caps, deadline)
        elif step == "exact" or (step == "sums" and not few):
            if deadline is not None and time.perf_counter() > deadline:
                break
            if h is None:
                h = equality_lp(a, b, caps)
                if deadline is not None:
                    h.setOptionValue("time_limit", max(0.1, deadline - time.perf_counter()))
                h.setOptionValue("simplex_strategy", 1)  # dual simplex for the cold first solve
                h.run()
                h.setOptionValue("simplex_strategy", 4)
            if step == "sums":
                sum_rounds(h, bounds)
            else:
                exact_cells(h, bounds, left, deadline)
    return bounds


def _centres(a: sp.csr_matrix, bounds: Bounds, caps: np.ndarray, deadline: float | None) -> None:
    """Centres of the unproven cells' neighbourhoods (widening), or of the whole component when they cover
    most of it; on a component too large for one centre, of chunks of the unproven cells in turn."""
    n = a.shape[1]
    if n <= CENTRE_ABOVE:
        return
    centres = Centres(a, caps)
    whole = False
    for radius in CENTRE_RADII:
        left = bounds.pending()
        if len(left) <= CENTRE_LEFT or whole:
            return
        near = centres.near(left, radius)
        if len(near) > WHOLE_SHARE * n and n <= CENTRE_MAX:
            near, whole = np.arange(n), True
        if len(near) <= CENTRE_MAX:
            centres.run(bounds, near, deadline)
            log.debug("component %d: %d unproven, centre of %d cells (radius %d) leaves %d", n, len(left),
                      len(near), radius, len(bounds.pending()))
            continue
        tried = proven = 0
        for beg in range(0, len(left), CHUNK):
            if deadline is not None and time.perf_counter() > deadline:
                return
            chunk = left[beg:beg + CHUNK]
            chunk = chunk[np.isin(chunk, bounds.pending())] if beg else chunk
            near = centres.near(chunk, radius) if len(chunk) else chunk
            if 0 < len(near) <= CENTRE_MAX:
                centres.run(bounds, near, deadline)
                tried += len(chunk)
                proven += len(chunk) - int(np.isin(chunk, bounds.pending()).sum())
            if tried >= 5 * CHUNK and proven < MIN_YIELD * tried:
                break  # certificates here need more than a neighbourhood: leave the cells unproven
        log.debug("component %d: %d unproven, chunked centres (radius %d) leave %d", n, len(left), radius,
                  len(bounds.pending()))
    if not whole and n <= CENTRE_MAX and len(bounds.pending()) > CENTRE_LEFT:
        centres.run(bounds, np.arange(n), deadline)


def audit_intervals(cubes: list[Cube], suppressed: list[np.ndarray], protection: ProtectionInterval, *,
                    primary: list[np.ndarray] | None = None,
                    published_before: list[Cube] | None = None) -> AuditResult:
    """LP min/max of every suppressed cell of `cubes` given all they publish (and earlier releases)."""
    from atlas.protection.status import cell_status

    status = cell_status(cubes, suppressed, primary, published_before)
    req = requirement_arrays(status.space, cubes, protection, status.need)
    res = audit_space(status.space, status.unknown, req, status.need)
    return to_result(status.space, cubes, suppressed, status.need, req, res)


def to_result(space: CellSpace, cubes: list[Cube], suppressed: list[np.ndarray], need: np.ndarray,
              req: tuple[np.ndarray, np.ndarray, np.ndarray], res: SpaceAudit) -> AuditResult:
    """Expand unified bounds to one row per suppressed cell of each cube."""
    frames = []
    for ci, (cube, idx) in enumerate(zip(cubes, space.cube_cells)):
        rows = np.flatnonzero(np.asarray(suppressed[ci], dtype=bool))
        u = idx[rows]
        frame = pd.DataFrame({"cube": ci, "row": rows, "cell": u, "value": space.value[u],
                              "lower": res.lower[u], "upper": res.upper[u], "primary": need[u],
                              "need_lower": req[0][u], "need_upper": req[1][u], "need_width": req[2][u],
                              "exact": res.exact[u], "protected": res.protected[u]})
        for d in cube.dim_names:
            frame[d] = cube.cells[d].to_numpy()[rows]
        frames.append(frame)
    return AuditResult(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame())
