"""One settings object for the whole platform: environment variables `SANDAN_*`, then an optional TOML file.

Defaults work with nothing set: an embedded DuckDB file in the data folder, the web UI on 127.0.0.1:8600.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from sandan.domain.errors import ConfigError


def _toml_path() -> Path | None:
    explicit = os.environ.get("SANDAN_CONFIG")
    if explicit:
        return Path(explicit)
    data_dir = Path(os.environ.get("SANDAN_DATA_DIR", Settings.model_fields["data_dir"].default))
    candidate = data_dir / "sandan.toml"
    return candidate if candidate.exists() else None


class _TomlSource(PydanticBaseSettingsSource):
    def get_field_value(
        self, field: Any, field_name: str
    ) -> tuple[Any, str, bool]:  # pragma: no cover - unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = _toml_path()
        if path is None:
            return {}
        if not path.exists():
            raise ConfigError(
                f"settings file {path} named by SANDAN_CONFIG does not exist",
                f"SANDAN_CONFIG가 가리키는 설정 파일 {path}이(가) 없습니다",
            )
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"settings file {path} is not valid TOML: {exc}",
                f"설정 파일 {path}이(가) 올바른 TOML이 아닙니다: {exc}",
            ) from exc
        return data.get("sandan", data)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SANDAN_", extra="ignore")

    data_dir: Path = Field(
        default=Path.home() / ".sandan", description="folder for the DuckDB file, uploads, models"
    )
    store_url: str = Field(
        default="", description="'' = DuckDB file in data_dir; postgresql://… for PostgreSQL"
    )
    host: str = "127.0.0.1"
    port: int = 8600
    secret_key: str = Field(default="", description="signs web sessions; generated into data_dir when empty")
    default_lang: str = "ko"
    display_timezone: str = "Asia/Seoul"
    session_hours: int = 12
    llm_base_url: str = Field(
        default="", description="OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1"
    )
    llm_model: str = Field(default="", description="model name on that server; '' = no language model")
    llm_api_key: str = Field(default="", description="API key for the server, if it needs one")
    llm_timeout_s: float = Field(
        default=60.0, description="seconds to wait for the server before falling back"
    )
    llm_max_retries: int = Field(default=1, description="retries of a failed request to the server")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        return (init_settings, env_settings, _TomlSource(settings_cls))

    @property
    def resolved_store_url(self) -> str:
        return self.store_url or f"duckdb:///{(self.data_dir / 'sandan.duckdb').resolve()}"

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def resolved_secret(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.ensure_data_dir() / "secret.key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)
