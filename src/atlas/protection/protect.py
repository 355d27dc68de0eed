"""Orchestration: primary rules, then suppression + audit, or perturbation, rounding or DP -> ProtectedTable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from atlas.errors import Issue, PolicyRefused
from atlas.protection import cellkey, rounding
from atlas.protection.cube import PERTURBED, PRIMARY, PUBLISHED, SECONDARY, Cube
from atlas.protection.policy import DisclosurePolicy
from atlas.protection.primary import group_mask, primary_masks
from atlas.protection.protected import ProtectedTable, _build


@overload
def protect(
    cube_or_cubes: Cube,
    policy: DisclosurePolicy,
    *,
    names: Sequence[str] | str = ...,
    title: str | Sequence[str | None] | None = ...,
    measure: str = ...,
    published_before: list[Cube] | None = ...,
) -> ProtectedTable: ...
@overload
def protect(
    cube_or_cubes: Sequence[Cube],
    policy: DisclosurePolicy,
    *,
    names: Sequence[str] | str = ...,
    title: str | Sequence[str | None] | None = ...,
    measure: str = ...,
    published_before: list[Cube] | None = ...,
) -> list[ProtectedTable]: ...


def protect(
    cube_or_cubes: Cube | Sequence[Cube],
    policy: DisclosurePolicy,
    *,
    names: Sequence[str] | str = "table",
    title: str | Sequence[str | None] | None = None,
    measure: str = "count",
    published_before: list[Cube] | None = None,
) -> ProtectedTable | list[ProtectedTable]:
    """Protect one cube, or linked cubes together (suppression sees them jointly); refuses rather than leak."""
    single = isinstance(cube_or_cubes, Cube)
    cubes: list[Cube] = [cube_or_cubes] if isinstance(cube_or_cubes, Cube) else list(cube_or_cubes)
    labels = [names] * len(cubes) if isinstance(names, str) else list(names)
    if len(labels) != len(cubes):
        raise ValueError("one name per cube")
    titles = [title] * len(cubes) if title is None or isinstance(title, str) else list(title)
    if len(titles) != len(cubes):
        raise ValueError("one title per cube")
    if policy.method == "suppression":
        out = _suppress(cubes, policy, labels, titles, measure, published_before)
    else:
        if measure != "count" and policy.method in ("cell_key", "dp"):
            raise PolicyRefused(f"{policy.method} is implemented for counts only", clause="method")
        out = [_perturb(c, policy, n, t, measure) for c, n, t in zip(cubes, labels, titles, strict=True)]
    return out[0] if single else out


def _suppress(
    cubes: list[Cube],
    policy: DisclosurePolicy,
    names: list[str],
    titles: list[str | None],
    measure: str,
    published_before: list[Cube] | None,
) -> list[ProtectedTable]:
    if policy.zeros == "protected" and any(c.zeros_omitted for c in cubes):
        raise PolicyRefused(
            "zeros are protected but the cube omits them",
            clause="zeros",
            issues=[
                Issue(
                    "zeros-omitted",
                    "build the cube dense (tables.margins.build_cube does when zeros are protected)",
                )
            ],
        )
    prim = [primary_masks(c, policy) for c in cubes]
    cubes = [p.with_levels(c) for p, c in zip(prim, cubes, strict=True)]
    masks = [p.mask for p in prim]
    details: dict[str, Any] = {
        "primary_rules": [p.counts() for p in prim],
        "secondary_method": policy.secondary,
    }
    audit_summary: dict[str, Any] | None = {"suppressed": 0, "ok": True}
    bounds: list[pd.DataFrame | None] = [None] * len(cubes)
    suppressed = masks
    flags: list[np.ndarray] | None = None
    if any(m.any() for m in masks):
        from atlas.protection.audit import audit_intervals
        from atlas.protection.interval import ProtectionInterval
        from atlas.protection.secondary import protect_secondary

        interval = ProtectionInterval.from_policy(
            policy.min_count, policy.interval.lower_pct, policy.interval.upper_pct, policy.interval.absolute
        )
        result = protect_secondary(
            cubes, masks, method=policy.secondary, protection=interval, published_before=published_before,
            time_limit=policy.time_limit,
        )
        suppressed = [np.asarray(s, dtype=bool) | m for s, m in zip(result.suppressed, masks)]
        flags = [np.asarray(f, dtype=object) for f in result.flags]
        audit = getattr(result, "audit", None)
        if audit is None or not _audit_covers(audit.cells, suppressed):
            audit = audit_intervals(
                cubes, suppressed, interval, primary=masks, published_before=published_before
            )
        if not audit.ok:
            raise PolicyRefused(
                "the interval audit found suppressed cells that can be recovered",
                clause="audit",
                issues=[Issue("audit-failed", f"{len(audit.failures)} suppressed cells not protected")],
                detail={"audit": audit.summary()},
            )
        audit_summary = audit.summary()
        details["secondary"] = _result_info(result, cubes)
        cols = [
            c
            for c in audit.cells.columns
            if c not in ("value", "need_lower", "need_upper", "need_width", "cell")
        ]
        bounds = [
            audit.cells.loc[audit.cells["cube"] == i, cols].drop(columns=["cube"]).reset_index(drop=True)
            for i in range(len(cubes))
        ]
    tables = []
    for i, cube in enumerate(cubes):
        flag = np.where(masks[i], PRIMARY, np.where(suppressed[i], SECONDARY, PUBLISHED)).astype(object)
        if flags is not None:
            flag = np.where(suppressed[i], flag, flags[i])
        cells = _published(cube, cube.cells["value"].to_numpy(), suppressed[i], flag, measure)
        tables.append(
            _build(
                name=names[i],
                dimensions=tuple(cube.dimensions),
                _cells=cells,
                policy=policy,
                method_details=details,
                info_loss=_suppression_loss(cube, masks[i], suppressed[i]),
                audit=audit_summary,
                audit_intervals=bounds[i],
                title=titles[i],
                measure=measure,
                zeros_omitted=cube.zeros_omitted,
                notes=("Suppressed cells are empty with flag p (primary) or s (secondary).",),
            )
        )
    return tables


def _perturb(
    cube: Cube, policy: DisclosurePolicy, name: str, title: str | None, measure: str
) -> ProtectedTable:
    _refuse_group_disclosure(cube, policy)
    true = cube.cells["value"].to_numpy(dtype=float)
    work = cube
    if policy.method == "cell_key":
        table = (
            cellkey.read_ptable(policy.cell_key.ptable)
            if policy.cell_key.ptable
            else cellkey.default_ptable(
                policy.cell_key.max_perturbation, policy.cell_key.variance, policy.min_count - 1
            )
        )
        values = cellkey.perturb_cube(cube, table)
        values = cellkey.block_small(
            values, cellkey.cell_keys(cube.cells["ckey"].to_numpy()), policy.min_count
        )
        details: dict[str, Any] = {"ptable": table.describe()}
        note = f"Counts perturbed by the cell-key method (max perturbation {table.max_perturbation}); margins may not add up."
    elif policy.method == "rounding":
        values = rounding.round_cube(cube, policy.rounding)
        details = {"base": policy.rounding.base, "mode": policy.rounding.mode}
        note = (
            f"Values rounded to base {policy.rounding.base} ({policy.rounding.mode}); margins may not add up."
        )
    elif policy.method == "dp":
        from atlas.protection.dp import dp_cube

        rel = dp_cube(cube, policy.dp)
        work = rel.cube
        true = _true_on(cube, work)
        values = work.cells["value"].to_numpy()
        details = {"epsilon_spent": rel.epsilon, "mechanism": rel.mechanism, "scale": rel.scale}
        note = (
            f"Counts with discrete Laplace noise, epsilon = {rel.epsilon:g}; negative noisy counts set to 0."
        )
    else:
        raise PolicyRefused(f"unknown method {policy.method}", clause="method")
    add = rounding.additivity(work, values).to_dict()
    details["additivity"] = add
    flag = np.full(len(work.cells), PERTURBED, dtype=object)
    cells = _published(work, values, np.zeros(len(work.cells), dtype=bool), flag, measure)
    return _build(
        name=name,
        dimensions=tuple(work.dimensions),
        _cells=cells,
        policy=policy,
        method_details=details,
        info_loss=_perturbation_loss(true, np.asarray(values, float)) | {"non_additive": add["non_additive"]},
        title=title,
        measure=measure,
        zeros_omitted=work.zeros_omitted,
        notes=(note,),
    )


def _true_on(original: Cube, work: Cube) -> np.ndarray:
    merged = work.cells[original.dim_names].merge(
        original.cells[[*original.dim_names, "value"]], on=original.dim_names, how="left"
    )
    return merged["value"].fillna(0).to_numpy(dtype=float)


def _refuse_group_disclosure(cube: Cube, policy: DisclosurePolicy) -> None:
    """Cell-key noise and rounding keep empty cells at 0, so they cannot hide that (nearly) all of a group
    share a sensitive category; DP noise reaches empty cells too and is exempt."""
    if policy.method == "dp" or policy.group is None or not any(d.sensitive for d in cube.dimensions):
        return
    hits = group_mask(cube, policy.group)
    if hits.any():
        raise PolicyRefused(
            f"{int(hits.sum())} cells show (nearly) all of a group in one sensitive category; "
            f"{policy.method} cannot hide that",
            clause="group",
            issues=[
                Issue(
                    "group-disclosure",
                    "perturbation leaves empty sensitive categories at 0",
                    hint="use suppression, or drop the sensitive dimension, or set group_threshold: null "
                    "after review",
                )
            ],
        )


def _audit_covers(rows: pd.DataFrame, suppressed: list[np.ndarray]) -> bool:
    """True when an audit was run on exactly these suppressed cells (then it need not be run again)."""
    for i, s in enumerate(suppressed):
        got = np.sort(rows.loc[rows["cube"] == i, "row"].to_numpy()) if len(rows) else np.empty(0, int)
        if not np.array_equal(got, np.flatnonzero(s)):
            return False
    return True


def _published(
    cube: Cube, values: np.ndarray, hidden: np.ndarray, flag: np.ndarray, measure: str
) -> pd.DataFrame:
    cells = cube.cells[cube.dim_names].copy()
    v = pd.array(np.asarray(values), dtype="Int64" if measure == "count" else "Float64")
    v[hidden] = pd.NA
    cells["value"] = v
    cells["flag"] = flag
    return cells


def _suppression_loss(cube: Cube, primary: np.ndarray, suppressed: np.ndarray) -> dict[str, Any]:
    value = cube.cells["value"].to_numpy(dtype=float)
    leaf = np.ones(len(value), dtype=bool)
    for d in cube.dimensions:
        leaf &= cube.cells[d.name].isin(d.leaves()).to_numpy()
    total = value[leaf].sum()
    return {
        "cells": len(value),
        "primary": int(primary.sum()),
        "secondary": int((suppressed & ~primary).sum()),
        "suppressed_share_cells": float(suppressed.mean()) if len(value) else 0.0,
        "suppressed_share_value_finest": float(value[leaf & suppressed].sum() / total) if total else 0.0,
    }


def _perturbation_loss(true: np.ndarray, published: np.ndarray) -> dict[str, Any]:
    diff = np.abs(published - true)
    return {
        "cells": len(true),
        "changed": int((diff > 0).sum()),
        "mean_abs_change": float(diff.mean()) if len(diff) else 0.0,
        "max_abs_change": float(diff.max()) if len(diff) else 0.0,
    }


def _result_info(result: Any, cubes: list[Cube]) -> dict[str, Any]:
    """What the release records about the secondary pattern: no value sums (they would be one more equation)."""
    return {
        "method": result.method,
        "seconds": round(float(result.seconds), 3),
        "primary": int(result.n_primary),
        "secondary": int(result.n_secondary),
        "repaired": int(result.repaired),
        "secondary_cells": int(result.n_secondary),
    }


def withhold(table: ProtectedTable, mask: np.ndarray, reason: str) -> ProtectedTable:
    """Suppress more cells of an audited table: fewer published equations can only widen every interval,
    so the audit that cleared the table still holds. `mask` is aligned with `table.cells`."""
    if table.policy.method != "suppression":
        raise PolicyRefused(f"cells are withheld only from suppressed tables, not {table.policy.method}",
                            clause="method")
    cells = table.cells
    extra = np.asarray(mask, dtype=bool) & ~cells["flag"].isin([PRIMARY, SECONDARY]).to_numpy()
    if not extra.any():
        return table
    cells.loc[extra, "value"] = pd.NA
    cells.loc[extra, "flag"] = SECONDARY
    details = dict(table.method_details)
    details["withheld"] = {**details.get("withheld", {}), reason: int(extra.sum())}
    loss = dict(table.info_loss)
    loss["secondary"] = int(loss.get("secondary", 0)) + int(extra.sum())
    if loss.get("cells"):
        loss["suppressed_share_cells"] = float(cells["flag"].isin([PRIMARY, SECONDARY]).mean())
    return _build(
        name=table.name, dimensions=table.dimensions, _cells=cells, policy=table.policy, method_details=details,
        info_loss=loss, audit=table.audit, audit_intervals=table.audit_intervals, title=table.title,
        measure=table.measure, zeros_omitted=table.zeros_omitted, notes=table.notes,
    )
