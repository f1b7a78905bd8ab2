"""The CJK font matplotlib draws Chinese labels with (Debian: fonts-noto-cjk).

Without one, Chinese renders as empty boxes; the first Noto/Source Han/WenQuanYi font
found is used, and its file is what the test checks.
"""

from __future__ import annotations

from functools import cache
from typing import Any

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
)


@cache
def cjk_font() -> Any:
    """Return FontProperties of an installed CJK font; raise if there is none."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    for family in CJK_FAMILIES:
        properties = font_manager.FontProperties(family=family)
        path = font_manager.findfont(properties, fallback_to_default=False)
        if path:
            return font_manager.FontProperties(fname=path)
    raise RuntimeError("no CJK font found: install fonts-noto-cjk")
