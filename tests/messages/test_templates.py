"""Every template renders with hostile data into valid Telegram HTML that escapes it."""

from __future__ import annotations

import pytest

from messages import label, label_keys, render, template_names
from sandbox.telegram_html import parse_html
from tests.messages.samples import Hostile, all_samples

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
