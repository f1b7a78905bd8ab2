"""Settings from the environment or a ``.env`` file (pydantic-settings)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything an operator can configure; see .env.example for each field."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    bot_api_url: str = "https://api.telegram.org"
    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'data' / 'bot.db'}"
    contest_file: Path = ROOT / "contests" / "jianbing-2024.toml"
    case_template: Path = ROOT / "contest" / "templates" / "case.docx"
    organizer_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = 8080
    sandbox_clock: datetime | None = None
    sandbox_state_file: Path | None = ROOT / "data" / "sandbox.json"
    send_rate: float = Field(default=25.0, gt=0)
    send_rate_per_chat: float = Field(default=1.0, gt=0)
    send_concurrency: int = Field(default=1, ge=1, le=32)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    health_listen: str = "127.0.0.1"
    health_port: int = Field(default=9464, ge=0, le=65535)
    webhook_max_body: int = Field(default=1_048_576, ge=1024)
    # Updates of different people handled at once (each person's in arrival order).
    update_concurrency: int = Field(default=16, ge=1, le=256)
    # Seconds an instance holds what it claimed (inbox updates, outbox rows, the leader
    # lock's heartbeat) before a survivor may take it over.
    lease_seconds: float = Field(default=30.0, gt=0)
    # Exports built in a process of their own while they run (False: in a thread of this one).
    export_in_process: bool = True
    # Attempts of a direct reply on a 5xx or a timeout (1: no retry).
    reply_attempts: int = Field(default=3, ge=1, le=10)
    # 企业微信 self-built app (自建应用); the channel is off while these are unset.
    wecom_corp_id: str | None = None
    wecom_agent_id: int | None = None
    wecom_secret: SecretStr | None = None
    wecom_token: SecretStr | None = None
    wecom_aes_key: SecretStr | None = None
    wecom_api_url: str = "https://qyapi.weixin.qq.com"
    wecom_organizer_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)
    wecom_listen: str = "0.0.0.0"  # where the callback URL is served (behind a TLS proxy)
    wecom_port: int = 8444
    wecom_path: str = "/wecom/callback"
    wecom_sandbox_port: int = 8082  # sandbox mode: the 企业微信 sandbox page
    public_url: str | None = None
    console_listen: str = "127.0.0.1"
    console_port: int | None = None
    console_idle_minutes: int = Field(default=60, ge=5, le=24 * 60)

    @field_validator("organizer_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator(
        "bot_token",
        "webhook_url",
        "webhook_secret",
        "sandbox_clock",
        "sandbox_state_file",
        "public_url",
        "console_port",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(
        "wecom_corp_id", "wecom_agent_id", "wecom_secret", "wecom_token", "wecom_aes_key",
        mode="before",
    )
    @classmethod
    def _wecom_blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("wecom_organizer_ids", mode="before")
    @classmethod
    def _split_userids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @field_validator("wecom_aes_key")
    @classmethod
    def _aes_key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) != 43:
            raise ValueError("EncodingAESKey is 43 characters (copy it from 接收消息 → API接收)")
        return value

    @model_validator(mode="after")
    def _wecom_complete(self) -> Settings:
        values = {
            "WECOM_CORP_ID": self.wecom_corp_id, "WECOM_AGENT_ID": self.wecom_agent_id,
            "WECOM_SECRET": self.wecom_secret, "WECOM_TOKEN": self.wecom_token,
            "WECOM_AES_KEY": self.wecom_aes_key,
        }
        missing = [name for name, value in values.items() if value is None]
        if 0 < len(missing) < len(values):
            raise ValueError(f"企业微信 needs all five settings; missing: {', '.join(missing)}")
        return self

    @field_validator("sandbox_clock")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a UTC offset, e.g. 2024-07-10T09:00:00+08:00")
        return value

    @property
    def console_url(self) -> str | None:
        """Return where organizers open the web console (PUBLIC_URL; the sandbox's own URL)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        if self.sandbox:
            return f"{self.bot_api_url.rstrip('/')}/console"
        return None

    @property
    def sandbox(self) -> bool:
        """Return True when no token is configured: run against the local sandbox."""
        return self.bot_token is None

    @property
    def wecom_enabled(self) -> bool:
        """Return True when the 企业微信 channel is configured."""
        return self.wecom_corp_id is not None
