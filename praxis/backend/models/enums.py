"""Enums that code outside the database layer needs too, without loading SQLAlchemy (discovery's
child process reads a protocol directory's source kind)."""

from __future__ import annotations

import enum

__all__ = ["SourceKind"]


class SourceKind(enum.StrEnum):
    """Where discovery found a protocol: a git checkout (URL, ref, commit) or a plain directory."""

    GIT = "git"
    FILE_SYSTEM = "file_system"
