"""Demo trafficking and smuggling reports: the partner generator's indicators as reports with periods."""

from __future__ import annotations

import pandas as pd

from atlas.communities.networks import split_list
from atlas.communities.trafficking import ReportIn
from atlas.demo import partners


def demo_reports(areas: pd.DataFrame, host: str, seed: int, n: int = 900) -> list[ReportIn]:
    """Reported indicators only (the generator also lists unconfirmed ones), by commune, route and quarter."""
    frame = partners.indicators(areas, host, seed, n=n)
    frame = frame[frame["reported"] == "yes"]
    quarters = pd.PeriodIndex(frame["period"], freq="Q")
    return [ReportIn(
        report_id=r.indicator_id, kind=r.kind, indicator=r.indicator, area=r.area, route_origin=r.route_origin,
        route_transit=split_list(r.route_transit), route_destination=r.route_destination,
        period_start=q.start_time.date(), period_end=q.end_time.date(), source_type=r.source_type,
        source="Demo protection partner (FAKE)", confidence=r.confidence)
        for r, q in zip(frame.itertuples(), quarters, strict=True)]
