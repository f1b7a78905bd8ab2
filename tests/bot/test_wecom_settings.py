"""The 企业微信 settings: off when unset, all five or none, the key's shape, organizer userids."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.settings import Settings

FULL = {
    "wecom_corp_id": "wwsandbox0000corp",
    "wecom_agent_id": "1000002",
    "wecom_secret": "s3cr3t-value",
    "wecom_token": "token",
    "wecom_aes_key": "c2FuZGJveC1hZXMta2V5LTAwMDAwMDAwMDAwMDAwMDA",
}


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_channel_is_off_when_unset() -> None:
    plain = settings()
    assert not plain.wecom_enabled
    assert plain.wecom_api_url == "https://qyapi.weixin.qq.com"
    assert not settings(**dict.fromkeys(FULL, "")).wecom_enabled  # blank as in .env.example


def test_the_channel_is_on_with_all_five() -> None:
    on = settings(**FULL)
    assert on.wecom_enabled
    assert on.wecom_agent_id == 1000002
    assert on.wecom_secret is not None and "s3cr3t-value" not in repr(on)


def test_a_partial_configuration_names_what_is_missing() -> None:
    with pytest.raises(ValidationError, match="WECOM_SECRET, WECOM_TOKEN"):
        settings(**{**FULL, "wecom_secret": "", "wecom_token": None})


def test_the_aes_key_must_be_43_characters() -> None:
    with pytest.raises(ValidationError, match="43"):
        settings(**{**FULL, "wecom_aes_key": "short"})


def test_organizer_userids_are_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECOM_ORGANIZER_IDS", "ZhangSan, lisi;wangwu")
    assert settings().wecom_organizer_ids == ["ZhangSan", "lisi", "wangwu"]


def test_wecom_organizers_are_configured_organizers_by_userid() -> None:
    from config.clock import SystemClock
    from config.services import Services

    configured = settings(**FULL, wecom_organizer_ids="Boss, lisi", organizer_ids="42")
    services = Services(
        settings=configured, contest=None, clock=SystemClock(),  # type: ignore[arg-type]
        engine=None, sessions=None,  # type: ignore[arg-type]
    )
    assert services.is_configured_organizer("wecom", "boss")  # userids ignore case
    assert services.is_configured_organizer("wecom", "lisi")
    assert not services.is_configured_organizer("wecom", "zhangsan")
    assert not services.is_configured_organizer("wecom", "42")
    assert services.is_configured_organizer("telegram", "42")
    assert not services.is_configured_organizer("telegram", "boss")


def test_the_callback_is_served_where_configured() -> None:
    on = settings(**FULL, wecom_listen="127.0.0.1", wecom_port="9000")
    assert (on.wecom_listen, on.wecom_port) == ("127.0.0.1", 9000)
    assert on.wecom_path == "/wecom/callback"
