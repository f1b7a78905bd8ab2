"""Run a Python script in a fresh interpreter at the repository's root; return what it printed.

For tests about what a code path imports (numpy, pypinyin, pkg_resources): the test process
itself has long imported everything.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def printed(script: str) -> str:
    """Run ``script`` with this interpreter at the repository's root; return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()
