"""Demo evidence library: invented summaries, plus a few whose text names fake people and must be reviewed."""

from __future__ import annotations

from datetime import date

import pandas as pd

from atlas.communities.evidence import EvidenceIn
from atlas.communities.networks import split_list
from atlas.demo import partners

# Invented texts with invented identifiers, so the demo shows the review flag and the redaction.
FLAGGED = (
    ("Recruiters at the harbour", "labour_exploitation;trafficking", "key_informant",
     ("FAKE interview summary. A key informant, Mr. Zorvath Quillane, said recruiters at the harbour kept "
     "workers' passports (one was numbered XA1234567) and could be reached on +999 712 334 556.")),
    ("Eviction of a family", "housing;family_separation", "interview",
     ("FAKE interview summary. A woman named Ilsabet Morrowind described her family's eviction; she asked to "
     "be contacted at ilsabet.fake@example.org.")),
    ("Clinic queues", "health;access_to_services", "observation",
     "FAKE observation notes. Dr. Amon Tessaly at the district clinic said patients without papers wait longest."),
)


def demo_evidence(areas: pd.DataFrame, host: str, seed: int, n: int = 40) -> list[EvidenceIn]:
    """Tagged summaries from the partner generator and the flagged examples above."""
    frame = partners.evidence(areas, host, seed, n=n)
    out = [EvidenceIn(
        evidence_id=r.evidence_id, title=r.title, text=r.summary, places=split_list(r.areas),
        nationalities=[r.nationalities], themes=split_list(r.themes),  # type: ignore[arg-type]
        period_start=date.fromisoformat(r.period_start), period_end=date.fromisoformat(r.period_end),
        method=r.source_type, sensitivity=r.sensitivity, reliability=r.reliability,  # type: ignore[arg-type]
        credibility=int(r.credibility), source="Demo research partner (FAKE)") for r in frame.itertuples()]
    places = frame["areas"].iloc[0].split(";")[:1]
    for i, (title, themes, method, text) in enumerate(FLAGGED, start=1):
        out.append(EvidenceIn(evidence_id=f"EVX{i:02d}", title=f"FAKE: {title}", text=text, places=places,
                              themes=split_list(themes), method=method, sensitivity="public",  # type: ignore[arg-type]
                              reliability="C", credibility=3, source="Demo research partner (FAKE)",
                              period_start=date(2026, 1, 1), period_end=date(2026, 3, 31)))
    return out
