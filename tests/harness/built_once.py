"""A directory built once and shared by whoever needs it at the same time (xdist workers, test runs
side by side in one checkout): each builder works in a directory of its own beside the target and
renames it into place; the first rename wins, the others discard theirs and use it. No lock, and no
reader ever sees a half-built directory."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def built_once(target: Path, build: Callable[[Path], None]) -> Path:
    """``target``, built by ``build(directory)`` unless it is there already."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        build(work)
        os.rename(work, target)
    except OSError:
        if not target.exists():  # not a lost race: a failure of the build's own
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target
