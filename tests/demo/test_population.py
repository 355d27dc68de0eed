"""The synthetic population: deterministic, plausible, and consistent inside households."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pycountry
import pytest

from atlas.demo.areas import areas_from_file
from atlas.demo.columns import PERSON_COLUMNS
from atlas.demo.country import demo_areas
from atlas.demo.population import GenerationSummary, generate_population
from atlas.demo.profiles import STATUSES, nationality_rows
from atlas.errors import RejectedInput

from .conftest import ROWS, read_strings

WG = {"", "no difficulty", "some difficulty", "a lot of difficulty", "cannot do at all"}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_summary_and_columns(xat_run: GenerationSummary, people: pd.DataFrame) -> None:
    assert xat_run.rows == ROWS == len(people)
    assert list(people.columns) == [c.name for c in PERSON_COLUMNS] == xat_run.columns
    assert people["household_id"].nunique() == xat_run.households
    assert people["record_id"].is_unique


def test_same_seed_same_bytes_any_chunking(tmp_path: Path, xat_run: GenerationSummary) -> None:
    again = generate_population(ROWS, areas=demo_areas(), host_country="XAT", seed=7, out=tmp_path / "a.csv",
                                island=True, chunk_rows=999)
    assert _sha(again.path) == _sha(xat_run.path)
    other = generate_population(ROWS, areas=demo_areas(), host_country="XAT", seed=8, out=tmp_path / "b.csv",
                                island=True)
    assert _sha(other.path) != _sha(xat_run.path)


def test_fast(tmp_path: Path) -> None:
    started = time.perf_counter()
    generate_population(ROWS, areas=demo_areas(), host_country="XAT", seed=1, out=tmp_path / "f.csv")
    assert time.perf_counter() - started < 5


def test_parquet_matches_csv(tmp_path: Path, people: pd.DataFrame) -> None:
    run = generate_population(ROWS, areas=demo_areas(), host_country="XAT", seed=7, out=tmp_path / "p.parquet",
                              fmt="parquet", island=True)
    frame = pq.read_table(run.path).to_pandas()
    assert frame["record_id"].tolist() == people["record_id"].tolist()
    assert frame["nationality"].astype(str).tolist() == people["nationality"].tolist()
    assert frame["age"].astype(int).tolist() == people["age"].astype(int).tolist()


def test_zipf_nationalities(people: pd.DataFrame) -> None:
    counts = people["nationality"].value_counts()
    ranked = [r.code for r in nationality_rows()[:-1]]
    assert counts.index[:3].tolist() == ranked[:3]
    top = counts.reindex(ranked[:12]).fillna(0).to_numpy()
    rho = pd.Series(top).corr(pd.Series(np.arange(12, 0, -1)), method="spearman")
    assert rho > 0.9
    assert 20 <= people["nationality"].nunique() <= 40


def test_sex_and_age_differ_by_nationality(people: pd.DataFrame) -> None:
    big = people.groupby("nationality").filter(lambda g: len(g) > 300)
    female = big.groupby("nationality")["sex"].apply(lambda s: (s == "female").mean())
    assert female.max() - female.min() > 0.1
    age = big.assign(age=big["age"].astype(int)).groupby("nationality")["age"].median()
    assert age.max() - age.min() >= 5
    assert set(people["sex"]) <= {"female", "male", "other", "unknown"}
    ages = people["age"].astype(int)
    assert ages.between(0, 99).all() and (ages < 18).mean() > 0.2 and (ages >= 60).mean() > 0.02


def test_codes_are_valid(people: pd.DataFrame) -> None:
    for col in ("nationality", "country_of_birth", "origin_country"):
        assert all(pycountry.countries.get(alpha_3=c) or c == "XAT" for c in people[col].unique())
    transit = {c for v in people["transit_countries"].unique() if v for c in v.split(";")}
    assert all(pycountry.countries.get(alpha_3=c) for c in transit)
    langs = {c for v in people["languages"].unique() for c in v.split(";")}
    assert all(pycountry.languages.get(alpha_3=c) for c in langs)
    assert set(people["migration_status"]) <= set(STATUSES)
    assert set(people["purpose"]) <= {"work", "family", "study", "protection", "transit", "other", "unknown"}
    for d in ("seeing", "hearing", "walking", "cognition", "self_care", "communication"):
        assert set(people[f"wg_{d}"]) <= WG
    assert people["phone"].replace("", np.nan).dropna().str.fullmatch(r"\+9997\d{8}").all()
    assert people["document_number"].replace("", np.nan).dropna().str.fullmatch(r"Q[A-Z]\d{7}").all()


def test_every_area_valid_and_clustered(people: pd.DataFrame) -> None:
    areas = demo_areas()
    assert set(people["district"]) <= set(areas.loc[areas["level"] == 2, "pcode"])
    assert set(people.loc[people["entry_point"] != "", "entry_point"]) <= set(areas["pcode"])
    top = people[people["nationality"] == "VEN"]["district"].value_counts(normalize=True)
    assert top.iloc[:5].sum() > 0.4


def test_households_consistent(people: pd.DataFrame) -> None:
    g = people.groupby("household_id", sort=False)
    assert g.size().between(1, 7).all()
    for col in ("district", "interview_date", "sampling_weight", "migration_status", "origin_country"):
        assert (g[col].nunique() == 1).all(), col
    first = g.head(1)
    minors = first["age"].astype(int) < 18
    assert (first.loc[minors, "unaccompanied_minor"] == "yes").all()
    assert (g.size()[first.loc[minors, "household_id"]] == 1).all()
    assert (people["unaccompanied_minor"] == "yes").sum() > 0


def test_dates_and_work_are_consistent(people: pd.DataFrame) -> None:
    year = people["interview_date"].str[:4].astype(int)
    arrived = people["arrival_year"] != ""
    assert (people.loc[arrived, "arrival_year"].astype(int) <= year[arrived]).all()
    born_here = people["country_of_birth"] == "XAT"
    assert (people.loc[born_here, "arrival_year"] == "").all()
    working = people["sector_isic"] != ""
    assert (people.loc[working, "age"].astype(int) >= 15).all()
    assert (people.loc[~working, ["isco_major", "informal_work"]] == "").all().all()
    consented = people["consent_purposes"] != ""
    assert (people.loc[consented, "consent_date"] == people.loc[consented, "interview_date"]).all()


def test_haiti_communes(shared_data: Path, tmp_path: Path) -> None:
    areas = areas_from_file(shared_data / "geo" / "admin1" / "hti_adm2_pcodes_simplified.geojson")
    assert len(areas) == 140
    run = generate_population(3000, areas=areas, host_country="HTI", seed=2, out=tmp_path / "h.csv")
    frame = read_strings(run.path)
    assert set(frame["district"]) <= set(areas["pcode"])
    assert "HTI" not in set(frame["nationality"])
    assert frame["record_id"].str.startswith("HTI-P").all()
    named = generate_population(500, areas=areas, host_country="HTI", seed=2, out=tmp_path / "n.csv",
                                area_labels="name")
    assert set(read_strings(named.path)["district"]) <= set(areas["name"])


def test_progress_is_reported(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    generate_population(120_000, areas=demo_areas(), host_country="XAT", seed=1, out=tmp_path / "p.parquet",
                        fmt="parquet", chunk_rows=50_000, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (120_000, 120_000) and len(seen) >= 2


@pytest.mark.parametrize("bad", [pd.DataFrame({"pcode": ["A"]}), pd.DataFrame(columns=["pcode", "parent", "level"]),
                                 pd.DataFrame({"pcode": ["A", "A"], "parent": ["X", "X"], "level": [1, 1]})])
def test_rejects_bad_areas(tmp_path: Path, bad: pd.DataFrame) -> None:
    with pytest.raises(RejectedInput):
        generate_population(10, areas=bad, host_country="XAT", seed=1, out=tmp_path / "x.csv")


def test_rejects_bad_format(tmp_path: Path) -> None:
    with pytest.raises(RejectedInput):
        generate_population(10, areas=demo_areas(), host_country="XAT", seed=1, out=tmp_path / "x.xml",
                            fmt="xml")  # type: ignore[arg-type]
