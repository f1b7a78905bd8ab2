"""Every template renders with hostile data into valid Telegram HTML that escapes it."""

from __future__ import annotations

import pytest

from contest.definition import Terms, load_contest
from messages import environment, label, label_keys, render, template_names, use_contest
from sandbox.telegram_html import parse_html
from tests.messages.samples import Hostile, all_samples
from tests.other_city import CONTESTS, OTHER_CITY, foreign_words

SAMPLES = all_samples()
NAMES = template_names()


def test_every_template_has_a_sample():
    missing = [name for name in NAMES if name not in SAMPLES]
    assert not missing, f"templates without a hostile sample: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_template_escapes_hostile_data(name, contest, clock):
    sample = SAMPLES.get(name)
    if sample is None:
        pytest.fail(f"{name} has no sample in tests/messages/samples")
    hostile = Hostile(contest=contest, now=clock.now())
    text = render(name, **sample(hostile))
    assert "<script>" not in text
    assert (
        "javascript:" not in text or "&quot;javascript:" in text or 'href="javascript' not in text
    )
    parse_html(text)  # raises like Telegram's "can't parse entities" if the markup is broken


def test_labels_render_and_fit_a_button():
    for key in label_keys():
        text = label(key, label="名称")
        assert 0 < len(text) <= 64, key


# ---- another city's contest: every template in its own words ---------------------------

OTHER = load_contest(CONTESTS / f"{OTHER_CITY}.toml")
FOREIGN = foreign_words()


@pytest.fixture
def other_city_words():
    """Make the made-up contest the bot's contest for templates rendered without one."""
    use_contest(OTHER)
    yield
    environment().globals["terms"] = Terms()
    use_contest_labels_reset()


def use_contest_labels_reset() -> None:
    """Put the labels' words back to the defaults."""
    from messages import _plain

    _plain().globals["terms"] = Terms()


@pytest.mark.parametrize("name", NAMES)
def test_template_speaks_the_other_city_contest(name, clock, other_city_words):
    """No template says a word of a Shenzhen contest that the made-up contest never uses."""
    context = SAMPLES[name](Hostile(contest=OTHER, now=clock.now()))
    text = render(name, **context)
    parse_html(text)
    given = repr(context)  # words the sample itself passes in are not the template's
    found = [word for word in FOREIGN if word in text and word not in given]
    assert not found, f"{name}: {found}\n{text}"


def test_labels_speak_the_other_city_contest(other_city_words):
    found = {key: label(key, label="名称") for key in label_keys()}
    assert not {k: v for k, v in found.items() if any(w in v for w in FOREIGN)}


def test_terminal_lines_render_plain_text() -> None:
    from messages import terminal_keys, terminal_line

    values = {"contest": "大赛", "moment": "7月5日", "stage": "文本申报", "deadline": "7月15日"}
    values |= {"url": "http://h", "user": 1, "code": "A&B", "path": "data/x<y>.json"}
    for key in terminal_keys():
        text = terminal_line(key, **values)
        assert text and "&amp;" not in text and "&lt;" not in text, key  # not HTML-escaped
