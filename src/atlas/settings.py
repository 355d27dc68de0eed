"""One declarative settings object; no other module reads the environment."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration of Atlas, read from `ATLAS_*` environment variables."""

    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore")

    home: Path = Field(Path("atlas-data"), description="Workspace folder (embedded store, keys, releases).")
    master_key: SecretStr | None = Field(
        None, description="Master key (base64 or hex, 32 bytes). When unset, the 0600 key file in the workspace is used."
    )
    key_file: Path | None = Field(None, description="Path of the master key file; default HOME/master.key.")
    database_url: str | None = Field(
        None, description="Server mode: postgresql+psycopg://... ; unset means the embedded DuckDB store."
    )
    user: str = Field("local-steward", description="Acting user recorded in lineage and the audit trail.")
    min_count: int = Field(10, description="Default minimum frequency k for published cells.")
    memory_limit: str = Field("4GB", description="DuckDB memory limit; larger work spills to encrypted temp files.")
    threads: int = Field(2, description="DuckDB worker threads.")

    @field_validator("min_count")
    @classmethod
    def _k_is_safe(cls, v: int) -> int:
        if v < 3:
            raise ValueError("min_count below 3 cannot protect anyone; refusing to start")
        return v

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or (self.home / "master.key")
