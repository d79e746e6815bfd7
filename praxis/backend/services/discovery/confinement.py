"""Which directory a requested discovery path names, and whether discovery may scan it.

Discovery imports, and therefore *runs*, the files it scans, so a server that lets clients name a
path confines it to its ``Settings.protocol_roots``. This module is the one place that decides; the
HTTP router and the CLI only pass the roots along (the CLI passes none: its user may already run any
code they like).
"""

from __future__ import annotations

import stat
from collections.abc import Sequence
from pathlib import Path

from praxis.backend.errors import ForbiddenError, InvalidValueError

__all__ = ["confined_directory"]


def confined_directory(path: Path | str, allowed_roots: Sequence[Path | str] | None) -> Path:
    """The real directory ``path`` names; else, naming field ``path``, ``ForbiddenError`` when the server
    does not let discovery look there (no roots configured, or outside them) and ``InvalidValueError``
    when the path names no directory.

    ``allowed_roots=None`` allows any directory; an empty sequence means discovery is not enabled and
    allows none. Roots are resolved (``~``, symlinks) before comparing, so comparisons are of real
    locations.

    Relative paths: with roots, a relative ``path`` is taken relative to the *first* root, because a
    client of the server cannot know (and should not depend on) the server's working directory. Without
    roots it is relative to the current working directory, as a path typed into a shell is. Either way
    ``~`` is expanded, then ``..`` and symlinks are resolved *before* the containment check, so neither
    can lead out of a root.

    Containment is checked before existence, so a path outside the roots is refused the same way whether
    or not it exists: the error says nothing about the filesystem beyond the roots. That includes
    ``~name`` for a user the machine does not have: with roots it is outside them, like ``~root``;
    without roots it names no directory.
    """
    roots = None if allowed_roots is None else [Path(root).expanduser().resolve() for root in allowed_roots]
    if roots is not None and not roots:
        raise ForbiddenError(
            "protocol discovery is not enabled: no protocol roots are configured (set PRAXIS_PROTOCOL_ROOTS)",
            field="path",
            value=str(path),
        )
    try:
        given = Path(path).expanduser()
    except (RuntimeError, ValueError):  # ``~name`` for a user this machine does not have or cannot name
        if roots is not None:  # no root holds it; and a client learns nothing about the server's users
            raise _outside_the_roots(path) from None
        raise InvalidValueError(
            f"protocol path {str(path)!r} names a home directory this machine does not have",
            field="path",
            value=str(path),
        ) from None
    if roots is not None and not given.is_absolute():
        given = roots[0] / given
    try:
        directory = given.resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop (RuntimeError before 3.13), NUL bytes
        raise InvalidValueError(
            f"protocol path {str(path)!r} cannot be resolved: {exc}", field="path", value=str(path)
        ) from None
    if roots is not None and not any(directory.is_relative_to(root) for root in roots):
        raise _outside_the_roots(path)
    try:
        mode = directory.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise InvalidValueError(
            f"protocol directory {str(path)!r} does not exist", field="path", value=str(path)
        ) from None
    except OSError as exc:  # a name too long for the filesystem, a directory this server may not read
        raise InvalidValueError(
            f"protocol directory {str(path)!r} cannot be read: {exc.strerror}", field="path", value=str(path)
        ) from None
    if not stat.S_ISDIR(mode):
        raise InvalidValueError(
            f"protocol path {str(path)!r} is not a directory", field="path", value=str(path)
        )
    return directory


def _outside_the_roots(path: Path | str) -> ForbiddenError:
    return ForbiddenError(
        f"protocol directory {str(path)!r} is outside the allowed protocol roots",
        field="path",
        value=str(path),
    )
