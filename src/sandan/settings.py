"""One settings object for the whole platform: environment variables `SANDAN_*`, then an optional TOML file.

Defaults work with nothing set: an embedded DuckDB file in the data folder, the web UI on 127.0.0.1:8600.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from sandan.domain.errors import ConfigError, korean_reason


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
        named = bool(os.environ.get("SANDAN_CONFIG"))
        unset_en = ", or unset SANDAN_CONFIG" if named else ""
        unset_ko = ". 또는 SANDAN_CONFIG를 지우세요" if named else ""
        if not path.exists():
            raise ConfigError(
                f"settings file {path} named by SANDAN_CONFIG does not exist: correct the path in SANDAN_CONFIG, "
                "or unset SANDAN_CONFIG to use the defaults",
                f"SANDAN_CONFIG가 가리키는 설정 파일 {path}이(가) 없습니다. SANDAN_CONFIG의 경로를 고치거나, "
                "기본값을 쓰려면 SANDAN_CONFIG를 지우세요",
                code="config_file_missing",
            )
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            at = re.search(r"at line (\d+), column (\d+)", str(exc))
            what_ko = f"{path}의 {at.group(1)}행 {at.group(2)}열이" if at else f"{path}이(가)"
            raise ConfigError(
                f"settings file {path} is not valid TOML: {exc}. Correct it (lines such as port = 8600, "
                f"optionally under a [sandan] table){unset_en}",
                f"설정 파일 {what_ko} 올바른 TOML이 아닙니다. 파일을 고치세요(port = 8600 같은 줄, "
                f"[sandan] 표 아래에 써도 됩니다){unset_ko}",
                code="config_file_invalid",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
            raise ConfigError(
                f"cannot read settings file {path} ({reason}): make it a readable UTF-8 TOML file{unset_en}",
                f"설정 파일 {path}을(를) 읽을 수 없습니다({reason}). 읽을 수 있는 UTF-8 TOML 파일로 만드세요{unset_ko}",
                code="config_file_unreadable",
            ) from None
        found = data.get("sandan", data)
        if not isinstance(found, dict):
            raise ConfigError(
                f"settings file {path}: 'sandan' must be a table ([sandan] followed by lines such as port = 8600)",
                f"설정 파일 {path}: 'sandan'은 표여야 합니다([sandan] 아래에 port = 8600 같은 줄)",
                code="config_file_invalid",
            )
        return found


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
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="reverse proxies whose X-Forwarded-For and -Proto are believed (addresses, comma-separated)",
    )
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
    backup_at: str = Field(
        default="02:00",
        pattern=r"^$|^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="the server backs up every day at this time of display_timezone (HH:MM); '' = never",
    )
    backup_keep: int = Field(default=14, ge=1, description="scheduled backups kept (the newest)")

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


def load_settings(**overrides: Any) -> Settings:
    """The settings; a value that does not fit (SANDAN_PORT=abc) or a broken settings file is a `ConfigError`
    naming the setting, where it came from and how to fix it, in both languages."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise _config_error(exc, overrides) from None


def _shown(field: str, value: Any) -> str:
    """A refused value as a message may show it: never a key or password, nor the password inside a store URL."""
    if any(word in field for word in ("key", "password", "secret", "token")):
        return "'***'"
    return repr(re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", value) if isinstance(value, str) else value)


def _config_error(exc: ValidationError, overrides: dict[str, Any]) -> ConfigError:
    """Each refused setting with where its value came from: an option, a SANDAN_* variable or the settings file."""
    env = {k.upper(): v for k, v in os.environ.items()}
    path = _toml_path()
    en_parts, ko_parts = [], []
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else "?"
        var = f"SANDAN_{field.upper()}"
        info = Settings.model_fields.get(field)
        default = f" (default {info.default})" if info is not None and info.default not in ("", None) else ""
        default_ko = f"(기본값 {info.default})" if default else ""
        reason_en = str(err.get("msg", "invalid value"))
        reason_ko = korean_reason(err)
        shown = _shown(field, err.get("input"))
        if field in overrides:
            en_parts.append(f"option {field}={shown}: {reason_en}")
            ko_parts.append(f"옵션 {field}={shown}: {reason_ko}")
        elif var in env:
            en_parts.append(
                f"environment variable {var}={shown}: {reason_en}. Set {var} to a valid value{default} or unset it"
            )
            ko_parts.append(
                f"환경 변수 {var}={shown}: {reason_ko}. {var}을(를) 올바른 값{default_ko}으로 고치거나 지우세요"
            )
        else:
            source = f"settings file {path}" if path is not None else "the settings"
            source_ko = f"설정 파일 {path}" if path is not None else "설정"
            en_parts.append(f"{field} = {shown} in {source}: {reason_en}. Correct it there{default}")
            ko_parts.append(f"{source_ko}의 {field} = {shown}: {reason_ko}. 그 값을 고치세요{default_ko}")
    return ConfigError(
        "invalid setting: " + "; ".join(en_parts),
        "설정 값이 올바르지 않습니다: " + "; ".join(ko_parts),
        code="bad_setting",
    )
