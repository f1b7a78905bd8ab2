"""QR codes as PNG images, e.g. of an invite link, so it can be scanned from a screen or paper.

An organizer often shows the invite card on a projector or prints it for a meeting; a phone
camera opens the link. Bytes out, no I/O; segno writes the PNG itself (no Pillow).
"""

from __future__ import annotations

import io

SCALE = 8  # pixels per module: about 300 px for a t.me link, sharp on a phone screen
BORDER = 4  # the quiet zone the QR standard asks for, in modules


def qr_png(text: str, *, scale: int = SCALE, border: int = BORDER) -> bytes:
    """Return a QR code of ``text`` (a link) as a black-on-white PNG."""
    if not text:
        raise ValueError("a QR code needs something to encode")
    import segno  # imported when a code is drawn, not at start (≈2 MiB)

    symbol = segno.make(text, error="m", micro=False)  # M: still reads when a tenth is smudged
    buffer = io.BytesIO()
    symbol.save(buffer, kind="png", scale=scale, border=border, dark="black", light="white")
    return buffer.getvalue()
