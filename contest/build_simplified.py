"""Build ``contest/simplified.txt``: each traditional character with its simplified one.

Some people write traditional characters out of habit ("申報截止時間是4月30號"). The
matcher reads the message in simplified characters first, one character for one, from this
table. It is taken from zhconv's dictionary (``zh2Hans``, MediaWiki's conversion tables): the
entries of one character to one character whose traditional character is traditional only
(zhconv's ``TRADONLY``) and outside GB 2312, so no character of simplified text is ever
changed (乾, 後 and 於 are GB 2312 characters too, and stay). Phrase entries are left out:
they would turn the 湖南 么子 (什么) into 幺子.

zhconv itself is not loaded at run time: its dictionaries hold 19 MiB resident, the table
0.3 MiB. The test suite checks that the file is what this module builds.

    .venv/bin/python -m contest.build_simplified     # rewrites contest/simplified.txt
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

TABLE_FILE = Path(__file__).with_name("simplified.txt")


def _simplified_only(character: str) -> bool:
    try:
        character.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def table() -> dict[str, str]:
    """Return the traditional characters with their simplified ones, from zhconv."""
    data = json.loads(resources.files("zhconv").joinpath("zhcdict.json").read_text("utf-8"))
    traditional_only = set(data["TRADONLY"])
    return {
        old: new
        for old, new in sorted(data["zh2Hans"].items())
        if len(old) == len(new) == 1
        and old != new
        and old in traditional_only
        and not _simplified_only(old)
    }


def text() -> str:
    """Return the file's text: the traditional characters, then the simplified ones."""
    pairs = table()
    return "".join(pairs) + "\n" + "".join(pairs.values()) + "\n"


def main() -> None:
    TABLE_FILE.write_text(text(), encoding="utf-8")
    print(f"{TABLE_FILE.name}: {len(table())} characters")


if __name__ == "__main__":
    main()
