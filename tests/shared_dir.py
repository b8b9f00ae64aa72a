"""Where the read-only ``shared/`` folder (corpus, design docs) is: ``RDSLINK_SHARED`` when set, else beside
the repository (CI's layout), else beside the folder holding it (a git worktree). Tests that need it skip
cleanly when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _find_shared() -> Path:
    env = os.environ.get("RDSLINK_SHARED")
    if env:
        return Path(env)
    for base in (REPO.parent, REPO.parent.parent):
        if (base / "shared" / "corpus").is_dir():
            return base / "shared"
    return REPO.parent / "shared"


SHARED = _find_shared()
