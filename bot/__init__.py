"""The running bot: wiring (``bot.app``), run modes (``python -m bot``), maintenance commands.

httpx imports its command-line client (rich, click, pygments) whenever those happen to be
installed (the development tools bring them): ≈50 ms of CPU and a few MiB at every start of
the bot, which never runs that client. Marking the module absent before httpx is first
imported makes httpx skip it (its own fallback for a missing ``httpx[cli]``).
"""

import sys

sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
