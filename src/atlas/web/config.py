"""Server settings: the Atlas settings plus what only the web server needs (same `ATLAS_` variables)."""

from __future__ import annotations

from pydantic import Field

from atlas.settings import Settings


class ServerSettings(Settings):
    """Settings of `atlas serve`; every field reads `ATLAS_<FIELD>` like the rest of Atlas."""

    rate_limit: int = Field(120, ge=1, description="Requests per minute allowed to one API key or client address.")
    rate_burst: int = Field(30, ge=1, description="Requests one client may send at once before the rate applies.")
    session_hours: int = Field(8, ge=1, le=720, description="Lifetime of a login session (cookie).")
    max_upload_mb: int = Field(200, ge=1, description="Largest file accepted by POST /api/v1/ingest.")
    secure_cookies: bool = Field(False, description="Mark session cookies Secure (set behind HTTPS).")
    table_cache: int = Field(64, ge=0, description="Protected tables kept rendered per process (0 disables).")


def server_settings(settings: Settings | None = None) -> ServerSettings:
    """Upgrade plain settings (tests, CLI) to server settings, keeping every value given."""
    if isinstance(settings, ServerSettings):
        return settings
    if settings is None:
        return ServerSettings()
    return ServerSettings(**settings.model_dump())
