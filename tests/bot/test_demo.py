"""``./run --demo``: inside the submission stage, an organizer and a working invite, two pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import __main__ as cli
from bot import demo
from bot.demo import demo_lines, demo_moment, demo_settings, prepare_demo, sandbox_lines
from config.settings import Settings
from contest.definition import StageKind, load_contest
from contest.schedule import stage_of_kind

CONTESTS = Path(__file__).resolve().parents[2] / "contests"


@pytest.mark.parametrize("path", sorted(CONTESTS.glob("*.toml")), ids=lambda p: p.stem)
def test_the_demo_starts_inside_the_text_submission_stage(path: Path) -> None:
    contest = load_contest(path)
    moment = demo_moment(contest)
    stage = contest.submission_stage  # a contest may hand entries in at a stage of another kind
    assert stage.start <= moment < stage.end
    if stage.kind is StageKind.SUBMISSION:
        assert stage_of_kind(contest, StageKind.SUBMISSION, moment) is stage
    assert stage.end - moment > demo.LEAD_TIME / 2


def test_the_demo_keeps_to_its_own_files_and_makes_1001_an_organizer(contest) -> None:
    settings = Settings(_env_file=None, organizer_ids=[7])  # type: ignore[call-arg]
    ready = demo_settings(settings, contest)
    assert ready.database_url.endswith("data/demo.db")
    assert ready.sandbox_state_file == demo.STATE_FILE
    assert ready.organizer_ids == [7, demo.ORGANIZER_ID]
    assert ready.sandbox_clock == demo_moment(contest)
    chosen = Settings(_env_file=None, sandbox_clock="2024-06-05T10:00:00+08:00")  # type: ignore[call-arg]
    assert demo_settings(chosen, contest).sandbox_clock == chosen.sandbox_clock


async def test_the_printed_contact_page_joins_with_the_invite(harness, contest) -> None:
    now = harness.clock.now()
    prepared = await prepare_demo(harness.settings, contest, now)
    again = await prepare_demo(harness.settings, contest, now)
    assert again.code == prepared.code  # the same code on the next start

    lines = demo_lines(prepared, contest, "http://127.0.0.1:8080", demo.STATE_FILE)
    text = "\n".join(lines)
    assert f"http://127.0.0.1:8080/?user={demo.ORGANIZER_ID}\n" in text + "\n"
    contact_page = f"http://127.0.0.1:8080/?user={demo.CONTACT_ID}&start={prepared.code}"
    assert contact_page in text and f"/start {prepared.code}" in text
    assert "data/demo-sandbox.json" in text and "./run --demo --fresh" in text

    # What the contact page does on opening: /start <code>, as the t.me link would.
    contact = harness.user(demo.CONTACT_ID)
    await contact.send(f"/start {prepared.code}")
    assert "深圳市某某局" in contact.last_reply.text  # the unit the code was made for
    assert "党组织名称" in contact.last_reply.text  # registration has begun


def test_plain_sandbox_says_where_the_history_is_and_how_to_clear_it() -> None:
    lines = sandbox_lines("http://127.0.0.1:8080", demo.ROOT / "data" / "sandbox.json")
    text = "\n".join(lines)
    assert "http://127.0.0.1:8080/?user=1001" in text
    assert "data/sandbox.json" in text and "删除" in text and "./run --demo" in text


def test_fresh_forgets_only_the_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database, state = tmp_path / "demo.db", tmp_path / "demo-sandbox.json"
    other = tmp_path / "bot.db"
    for path in (database, Path(f"{database}-wal"), state, other):
        path.write_bytes(b"x")
    monkeypatch.setattr(demo, "DATABASE", database)
    monkeypatch.setattr(demo, "STATE_FILE", state)
    assert set(demo.forget_demo()) == {database, Path(f"{database}-wal"), state}
    assert other.exists() and not database.exists() and not state.exists()


def test_fresh_without_demo_and_demo_with_a_token_are_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "")
    assert cli.main(["--fresh"]) == 2
    assert "--fresh goes with --demo" in capsys.readouterr().err
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    assert cli.main(["--demo"]) == 2
    assert "leave BOT_TOKEN empty" in capsys.readouterr().err
