"""Demo directory for the fictional country: networks and focal points with varied, clearly fictional consent."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from atlas.communities.focal_points import ConsentIn, FocalPointIn
from atlas.communities.networks import REACH, NetworkIn, split_list
from atlas.demo import partners

RELIEF_AGENCY = "xat-relief-agency"
CONSENT_SETS = (["emergency_response", "evacuation"], ["emergency_response", "evacuation", "preparedness"],
                ["community_engagement"], ["emergency_response", "community_engagement"])


def demo_networks(areas: pd.DataFrame, host: str, seed: int, n: int = 160) -> list[NetworkIn]:
    """Networks from the partner generator, some covering a neighbouring district too."""
    orgs = partners.organisations(areas, host, seed, n=n)
    rng = np.random.default_rng([seed, 31])
    adm2 = areas.loc[areas["level"] == 2, ["pcode", "parent"]]
    siblings = adm2.groupby("parent")["pcode"].apply(list).to_dict()
    parent = dict(zip(adm2["pcode"], adm2["parent"], strict=True))
    out = []
    for row, extra, reach in zip(orgs.itertuples(), rng.random(len(orgs)), rng.integers(0, len(REACH), len(orgs)),
                                 strict=True):
        areas_ = [row.area]
        if extra < 0.3:
            areas_.append(str(rng.choice(siblings[parent[row.area]])))
        out.append(NetworkIn(
            network_id=row.org_id, name=f"{row.name} [fictional]", kind=row.type, formal=row.type != "informal_network",
            nationalities=[row.nationalities], areas=sorted(set(areas_)), languages=[row.languages],
            services=split_list(row.activities), reach=REACH[int(reach)],
            members_estimate=int(rng.integers(5, 800)), founded_year=int(row.founded_year),
            public_listing=row.type in ("consulate", "diaspora_association"), source="Demo directory (FAKE)"))
    return out


def demo_focal_points(networks: list[NetworkIn], areas: pd.DataFrame, host: str, seed: int,
                      today: date | None = None) -> list[FocalPointIn]:
    """One or two fake contacts per network; most consented, with purposes, recipients, scope and expiry."""
    today = today or date.today()
    orgs = pd.DataFrame({"org_id": [n.network_id for n in networks]})
    people = partners.focal_points(orgs, seed)
    where = {n.network_id: n for n in networks}
    rng = np.random.default_rng([seed, 32])
    out = []
    for row in people.itertuples():
        net = where[row.org_id]
        given = today - timedelta(days=int(rng.integers(10, 700)))
        consent = None
        if row.consent_given == "yes":
            consent = ConsentIn(
                purposes=CONSENT_SETS[int(rng.integers(0, len(CONSENT_SETS)))],
                recipients=["*"] if rng.random() < 0.7 else [RELIEF_AGENCY],
                scope="crisis_only" if rng.random() < 0.6 else "always", given_at=given,
                expires_at=given + timedelta(days=int(rng.choice([365, 730]))))
        out.append(FocalPointIn(
            focal_id=row.focal_id, network_id=row.org_id, role=row.role, full_name=f"{row.full_name} (FAKE)",
            phone=row.phone, email=row.email, areas=net.areas[:1], languages=net.languages,
            verified_at=today - timedelta(days=int(rng.integers(0, 400))), consent=consent))
    return out
