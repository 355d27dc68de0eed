"""Tables that leave Atlas outside a release are protected together with what the public already holds."""

from __future__ import annotations

import pytest

from atlas.errors import PolicyRefused
from atlas.privacy.users import actor_for
from atlas.protection.cube import PRIMARY, SECONDARY
from atlas.sharing.agreement import parse_agreement
from atlas.sharing.catalog import add_agreement
from atlas.sharing.release import run_release
from atlas.store.workspace import Workspace
from atlas.tables.service import protected_tables
from atlas.tables.spec import parse_spec

from .conftest import agreement_data

AREAS = ["HT0111", "HT0112", "HT0113"]
BY_DISTRICT = {"name": "by_district_sex", "dimensions": [{"field": "area", "level": "adm2"}, {"field": "sex"}],
               "filter": [{"field": "adm2", "op": "in", "value": AREAS}],
               "protection": {"method": "suppression", "min_count": 10}}


def _public_release(ws: Workspace) -> None:
    a = parse_agreement(agreement_data(
        name="open-data", parties={"provider": "INS", "recipients": ["public"]}, licence="CC-BY-4.0",
        special_runs={"allowed": False}, tables=[BY_DISTRICT], finest_geography="adm2",
        purposes=["statistics"]))
    with ws.connect() as con:
        add_agreement(con, actor_for(con, ws.settings.user), a)
    run_release(ws, a.name)


def _hidden(cells) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    rows = cells[cells["flag"].isin([PRIMARY, SECONDARY])]
    return set(zip(rows["area"].astype(str), rows["sex"].astype(str), strict=True))


def test_an_ad_hoc_table_keeps_the_suppression_pattern_of_the_open_release(populated: Workspace) -> None:
    _public_release(populated)
    released = next(populated.releases_dir.rglob("by_district_sex.csv"))
    import pandas as pd

    public = pd.read_csv(released, dtype=str, keep_default_na=False)
    assert _hidden(public), "the locality of 4 people must be suppressed in the open release"
    (table,) = protected_tables(populated, [parse_spec(BY_DISTRICT)], purpose="statistics")
    assert _hidden(table.cells) == _hidden(public)


def test_an_ad_hoc_table_that_differs_from_the_open_release_by_a_small_group_is_refused(populated: Workspace) -> None:
    _public_release(populated)
    without = parse_spec({**BY_DISTRICT, "name": "without_locality",
                          "filter": [{"field": "adm2", "op": "in", "value": AREAS[:2]}],
                          "dimensions": [{"field": "sex"}]})
    with pytest.raises(PolicyRefused) as exc:
        protected_tables(populated, [without], purpose="statistics")
    assert exc.value.clause == "differencing"


def test_a_partner_release_cannot_mix_suppression_with_perturbed_open_data(populated: Workspace) -> None:
    """A perturbed copy of a secondary cell, subtracted from an exact total, would narrow a primary cell."""
    perturbed = {**BY_DISTRICT, "protection": {"method": "cell_key", "min_count": 10}}
    a = parse_agreement(agreement_data(
        name="open-data", parties={"provider": "INS", "recipients": ["public"]}, licence="CC-BY-4.0",
        special_runs={"allowed": False}, tables=[perturbed], finest_geography="adm2", purposes=["statistics"],
        disclosure={"method": "cell_key", "min_count": 10}))
    partner = parse_agreement(agreement_data(tables=[{**BY_DISTRICT, "name": "districts_for_partner"}],
                                             finest_geography="adm2"))
    with populated.connect() as con:
        add_agreement(con, actor_for(con, populated.settings.user), a)
        add_agreement(con, actor_for(con, populated.settings.user), partner)
    run_release(populated, a.name)
    with pytest.raises(PolicyRefused) as exc:
        run_release(populated, partner.name, purpose="statistics")
    assert exc.value.clause == "method"
    with pytest.raises(PolicyRefused):
        protected_tables(populated, [parse_spec(BY_DISTRICT)], purpose="statistics")
    (same,) = protected_tables(populated, [parse_spec(perturbed)], purpose="statistics")
    assert set(same.cells["flag"]) <= {"c", ""}
