"""QR codes of invite links: a PNG a phone camera can read."""

from __future__ import annotations

import struct

import pytest
import segno

from messages.qrcode import BORDER, SCALE, qr_png

LINK = "https://t.me/contest_sandbox_bot?start=QN46GVA9"


def _size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_an_invite_link_becomes_a_square_png_with_its_quiet_zone() -> None:
    png = qr_png(LINK)
    symbol = segno.make(LINK, error="m", micro=False)
    side = (symbol.symbol_size(scale=1, border=0)[0] + 2 * BORDER) * SCALE
    assert _size(png) == (side, side)
    assert symbol.version <= 4 and 200 <= side <= 400  # small enough to scan from a phone


def test_the_same_link_gives_the_same_image_and_another_link_another() -> None:
    assert qr_png(LINK) == qr_png(LINK)
    assert qr_png(LINK) != qr_png(LINK.replace("QN46GVA9", "T38997R7"))


def test_nothing_to_encode_is_refused() -> None:
    with pytest.raises(ValueError):
        qr_png("")
