"""Hierarchies: areas from a parent map, M49 regions, bands and custom groups, all rooted at _T."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from atlas.errors import RejectedInput
from atlas.protection.cube import TOTAL
from atlas.tables import hierarchy as h


def test_area_levels_from_parent_map() -> None:
    gaz = pd.DataFrame(
        {
            "code": ["HTI", "HT01", "HT02", "HT0111", "HT0112", "HT0211"],
            "parent": [None, "HTI", "HTI", "HT01", "HT01", "HT02"],
            "level": ["adm0", "adm1", "adm1", "adm2", "adm2", "adm2"],
            "name": ["Haiti", "Ouest", "Sud-Est", "Port-au-Prince", "Delmas", "Jacmel"],
        }
    )
    dim = h.area_dimension(gaz, "adm2")
    assert dim.parent["HT01"] == TOTAL and dim.parent["HT0111"] == "HT01"
    assert dim.labels[TOTAL] == "Haiti"
    assert set(dim.leaves()) == {"HT0111", "HT0112", "HT0211"}
    assert set(h.area_dimension(gaz, "adm1").leaves()) == {"HT01", "HT02"}


def test_two_countries_keep_adm0() -> None:
    gaz = pd.DataFrame(
        {
            "code": ["A", "B", "A1", "B1"],
            "parent": [None, None, "A", "B"],
            "level": ["adm0", "adm0", "adm1", "adm1"],
        }
    )
    dim = h.area_dimension(gaz, "adm1")
    assert dim.parent == {TOTAL: None, "A": TOTAL, "A1": "A", "B": TOTAL, "B1": "B"}


def test_real_gazetteer(shared_data: Path) -> None:
    g = pd.read_csv(shared_data / "geo" / "global_pcodes_adm1_adm2.csv", dtype=str, keep_default_na=False)
    g = g[g["Location"] == "HTI"]
    gaz = pd.concat(
        [
            pd.DataFrame({"code": ["HTI"], "parent": [None], "level": ["adm0"], "name": ["Haiti"]}),
            pd.DataFrame(
                {
                    "code": g["P-Code"],
                    "parent": g["Parent P-Code"].replace("", "HTI"),
                    "level": "adm" + g["Admin Level"],
                    "name": g["Name"],
                }
            ),
        ]
    )
    dim = h.area_dimension(gaz, "adm2")
    assert len([c for c in dim.codes if dim.level(c) == 1]) == 10
    assert len(dim.leaves()) == 140


def test_m49_regions() -> None:
    dim = h.region_dimension("nationality", ["SYR", "AFG", "FRA", "unknown"])
    assert dim.parent["SYR"] == "M49_142" and dim.parent["FRA"] == "M49_150"
    assert dim.parent["unknown"] == TOTAL
    assert dim.labels["M49_142"] == "Asia"
    sub = h.region_dimension("nationality", ["SYR", "AFG"], "un_m49_subregion")
    assert sub.parent["AFG"] == "M49_034" and sub.parent["M49_034"] == "M49_142"


def test_bands_and_groups() -> None:
    assert h.band_codes([0, 15, 65]) == ["00-14", "15-64", "65+"]
    got = h.band_of(np.array([0, 14, 15, 64.9, 65, 100, np.nan, -1]), [0, 15, 65])
    assert list(got) == ["00-14", "00-14", "15-64", "15-64", "65+", "65+", "unknown", "unknown"]
    dim = h.banded_dimension("age", [0, 15, 65], {"adult": ["15-64", "65+"]})
    assert dim.parent["65+"] == "adult" and dim.parent["adult"] == TOTAL and dim.parent["00-14"] == TOTAL


def test_group_overlap_refused() -> None:
    with pytest.raises(RejectedInput):
        h.grouped_dimension("x", ["a", "b"], {"g1": ["a"], "g2": ["a", "b"]})


def test_not_stated_leaf_added() -> None:
    dim = h.grouped_dimension("x", ["a1", "a2"], {"a": ["a1", "a2"]})
    dim2, remap = h.with_leaves_for(dim, ["a1", "a"])
    assert remap == {"a": "a_NS"} and dim2.parent["a_NS"] == "a"
    with pytest.raises(RejectedInput):
        h.with_leaves_for(dim, ["zz"])
