"""Help and prompts name each channel's own way in: /commands on Telegram, the menu on 企业微信."""

from __future__ import annotations

import re

import pytest

from messages import label, label_keys, render

COMMAND = re.compile(r"(?<![A-Za-z0-9:/.])/[a-z]{2,}\b")
WAYS = sorted(
    k.removeprefix("way_telegram.") for k in label_keys() if k.startswith("way_telegram.")
)


def test_every_way_is_said_on_both_channels() -> None:
    wecom = sorted(k.removeprefix("way_wecom.") for k in label_keys() if k.startswith("way_wecom."))
    assert WAYS == wecom and "start" in WAYS


@pytest.mark.parametrize("key", WAYS)
def test_the_wecom_way_names_no_command_and_only_real_menu_buttons(key: str) -> None:
    text = label(f"way_wecom.{key}")
    assert not COMMAND.search(text), text
    menu = {label(k) for k in label_keys() if k.startswith("menu.")}
    for button in re.findall(r"点“([^”]+)”", text):
        assert button in menu, f"{key}: {button!r} is no menu button"


def test_help_on_wecom_lists_menu_buttons_not_commands() -> None:
    wecom = render("start/help.html", channel="wecom", contest=_contest(), organizer=True)
    telegram = render("start/help.html", contest=_contest(), organizer=True)
    assert not COMMAND.search(wecom), wecom
    assert label("menu.todo") in wecom and "“菜单”" in wecom
    assert "/todo" in telegram and "/organizer" in telegram


def test_way_reads_on_in_a_sentence() -> None:
    telegram = render("registration/unit_gone.html")
    wecom = render("registration/unit_gone.html", channel="wecom")
    assert "请发送 /me 查看" in telegram
    assert "请发送“菜单”后点“👤 我的信息”查看" in wecom
    assert "/start，" in render("answers/register.html", **_register_context())
    assert "发送“菜单”，" in render("answers/register.html", channel="wecom", **_register_context())


def _contest():
    from contest.definition import load_contest
    from tests.conftest import CONTESTS

    return load_contest(CONTESTS / "jianbing-2024.toml")


def _register_context() -> dict:
    from datetime import timedelta

    contest = _contest()
    open_mode = contest.registration.model_copy(update={"mode": "open"})
    contest = contest.model_copy(update={"registration": open_mode})
    stage = contest.submission_stage
    return {"contest": contest, "submission": stage, "unconfirmed": False, "zone": contest.zone,
            "now": stage.start + timedelta(days=1), "verdict_words": ""}  # fmt: skip


# Every template whose text is queued in the outbox (reminders, notices, re-sends, the unit's
# confirmation, results, judging, erasure): each row is rendered for its recipient's channel.
QUEUED = (
    "registration/unit_confirmed.html",
    "broadcast/notice.html",
    "reminders/deadline.html",
    "reminders/done.html",
    "reminders/opening.html",
    "organizer/advanced.html",
    "judging/reminder.html",
    "judging/live_open.html",
    "judging/awarded.html",
    "mydata/erase_request.html",
    "mydata/erase_outcome.html",
)


@pytest.mark.parametrize("name", QUEUED)
def test_a_queued_text_for_wecom_names_no_command(name: str, contest, clock) -> None:
    from tests.messages.samples import Hostile, all_samples

    plain = Hostile(contest=contest, now=clock.now(), text="深圳市某某局", long="长" * 100)
    context = all_samples()[name](plain)
    text = render(name, **{**context, "channel": "wecom"})
    assert not COMMAND.search(text), text


def test_per_channel_renders_each_channel_once_in_its_words() -> None:
    from messages import per_channel

    calls: list[str] = []
    text = per_channel("registration/unit_confirmed.html", unit=_Unit(), contest=_contest())

    def counted(channel: str) -> str:
        calls.append(channel)
        return text(channel)

    telegram, wecom = counted("telegram"), counted("wecom")
    assert "发送 /start 打开主菜单" in telegram
    assert "发送“菜单”打开主菜单" in wecom and not COMMAND.search(wecom)
    assert text("wecom") is wecom  # rendered once, however many recipients share it


class _Unit:
    party_org = "中共深圳市某某局机关委员会"
