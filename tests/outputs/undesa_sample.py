"""The UN DESA International Migrant Stock 2020 (by destination) as a protected table, read in place."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pycountry

from atlas.protection.policy import DisclosurePolicy
from atlas.protection.protect import protect
from atlas.protection.protected import ProtectedTable
from atlas.tables.hierarchy import flat_dimension
from atlas.tables.margins import compute_margins

WORKBOOK = "migration/undesa_2020_raw_xlsx/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"


def undesa_stock(shared_data: Path, year: int = 2020) -> pd.DataFrame:
    """Countries only (M49 location codes below 900 that are ISO 3166 numeric codes): iso3, name, stock."""
    raw = pd.read_excel(shared_data / WORKBOOK, sheet_name="Table 1", header=10)
    raw = raw.rename(columns={raw.columns[1]: "name", "Location code": "m49"})
    raw = raw[pd.to_numeric(raw["m49"], errors="coerce") < 900]
    iso = {int(c.numeric): c.alpha_3 for c in pycountry.countries}
    out = pd.DataFrame({"iso3": raw["m49"].astype(int).map(iso), "name": raw["name"].str.rstrip("*").str.strip(),
                        "stock": pd.to_numeric(raw[year], errors="coerce")})
    return out.dropna().astype({"stock": "int64"}).reset_index(drop=True)


def undesa_table(shared_data: Path, year: int = 2020) -> ProtectedTable:
    """Published stock by country of destination, passed through protection like any table (k = 10)."""
    df = undesa_stock(shared_data, year)
    dim = flat_dimension("destination_country", df["iso3"].tolist(), dict(zip(df["iso3"], df["name"], strict=True)))
    cube = compute_margins(df.rename(columns={"iso3": "destination_country", "stock": "n"})[["destination_country", "n"]],
                           [dim])
    return protect(cube, DisclosurePolicy(min_count=10, group=None, secondary="fast"), names="undesa_stock_2020",
                   title=f"International migrant stock, {year} (UN DESA)")
