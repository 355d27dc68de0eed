"""Age bands: both schemes, whole columns at once, edges and junk."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from atlas.errors import NotFound
from atlas.vocab.ages import MAX_AGE, age_band_table, band_ages, band_labels


def test_labels() -> None:
    assert band_labels("5y")[:3] == ["00-04", "05-09", "10-14"] and band_labels("5y")[-1] == "80+"
    assert band_labels("humanitarian") == ["00-04", "05-11", "12-17", "18-24", "25-34", "35-44", "45-59", "60-74",
                                           "75+"]


@pytest.mark.parametrize(("age", "five", "hum"), [
    (0, "00-04", "00-04"), (4, "00-04", "00-04"), (5, "05-09", "05-11"), (11, "10-14", "05-11"),
    (12, "10-14", "12-17"), (17, "15-19", "12-17"), (18, "15-19", "18-24"), (59, "55-59", "45-59"),
    (60, "60-64", "60-74"), (74, "70-74", "60-74"), (75, "75-79", "75+"), (80, "80+", "75+"), (120, "80+", "75+"),
    (3.9, "00-04", "00-04"), (-1, None, None), (MAX_AGE + 1, None, None), (None, None, None), (float("nan"), None, None),
])
def test_band_edges(age: float | None, five: str | None, hum: str | None) -> None:
    assert band_ages([age], "5y").to_pylist() == [five]
    assert band_ages([age], "humanitarian").to_pylist() == [hum]


@given(st.lists(st.integers(min_value=0, max_value=MAX_AGE), max_size=50))
def test_band_contains_age(ages: list[int]) -> None:
    for age, band in zip(ages, band_ages(np.array(ages, dtype=np.int64), "humanitarian").to_pylist(), strict=True):
        lo, _, hi = band.rstrip("+").partition("-")
        assert int(lo) <= age and (not hi or age <= int(hi))


def test_table_for_sql_joins() -> None:
    table = age_band_table("5y")
    assert table.num_rows == MAX_AGE + 1
    assert table.column("band")[37].as_py() == "35-39"


def test_unknown_scheme() -> None:
    with pytest.raises(NotFound):
        band_ages([1], "decades")
