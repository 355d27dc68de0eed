"""The main job's communities step: partner rounds, a district profile, trends and the consulate's view."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path

from atlas.settings import Settings
from atlas.store.workspace import Workspace

DISTRICT = "XAT0101"
Say = Callable[[str], None]


def ingest_rounds(ws: Workspace, scratch: Path, seed: int) -> int:
    """Ingest the four partner rounds once (each its own batch, so later rounds can revise earlier ones)."""
    from atlas.demo.country import demo_areas
    from atlas.demo.rounds import SOURCE, SOURCE_V2, write_rounds
    from atlas.ingest.pipeline import IngestOptions, ingest_file

    with ws.connect(read_only=True) as con:
        have = con.execute("SELECT count(*) FROM batches WHERE source IN (?, ?)", [SOURCE, SOURCE_V2]).fetchone()
    if have and have[0]:
        return 0
    mapping = Path(str(resources.files("atlas.demo").joinpath("rounds_mapping.yaml")))
    rounds = write_rounds(scratch / "rounds", demo_areas(), "XAT", seed)
    for r in rounds:
        ingest_file(ws, r.file, IngestOptions(kind="aggregate", mapping=mapping, source_name=r.source))
    return len(rounds)


def run_communities(ws: Workspace, settings: Settings, *, out: Path, scratch: Path, seed: int = 1,
                    say: Say = lambda _: None) -> dict[str, Path]:
    """Write a district profile (md, html, json), stock and flow trends, and the consulate's diaspora view."""
    from atlas.communities import trends
    from atlas.communities.diaspora import diaspora_view
    from atlas.communities.profile import build_profile
    from atlas.communities.render import diaspora_md, profile_html, profile_md, profile_narrative
    from atlas.demo.diaspora import build_consulate

    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    say("communities: ingesting four partner rounds of stock counts (for trends and revisions)")
    ingest_rounds(ws, scratch, seed)
    say(f"communities: profile of district {DISTRICT}")
    result = build_profile(ws, DISTRICT)
    for name, text in (("md", profile_md(result, profile_narrative(result))), ("html", profile_html(result)),
                       ("json", result.profile.model_dump_json(indent=2))):
        written[f"profile.{name}"] = out / f"profile_{DISTRICT}.{name}"
        written[f"profile.{name}"].write_text(text, encoding="utf-8")
    say("communities: trends of stocks (partner rounds) and flows (flow monitoring)")
    for measure, granularity in (("stock", "month"), ("flows", "quarter")):
        t = trends.partner_trend(ws, measure, level="adm1", granularity=granularity).trend  # type: ignore[arg-type]
        written[f"trend.{measure}"] = out / f"trend_{measure}.json"
        written[f"trend.{measure}"].write_text(t.model_dump_json(indent=2), encoding="utf-8")
    say("communities: the consulate's registry of citizens abroad and its diaspora skills")
    consulate = build_consulate(settings.home / "consulate", scratch=scratch, seed=seed,
                                master_key=settings.master_key)
    view = diaspora_view(Workspace.open(Settings(home=consulate.home, master_key=settings.master_key)),
                         consulate.origin, skill="medical")
    written["diaspora.md"] = out / f"diaspora_{consulate.origin}.md"
    written["diaspora.md"].write_text(diaspora_md(view), encoding="utf-8")
    written["diaspora.json"] = out / f"diaspora_{consulate.origin}.json"
    written["diaspora.json"].write_text(view.model_dump_json(indent=2), encoding="utf-8")
    return written
