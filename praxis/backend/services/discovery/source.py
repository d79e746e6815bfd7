"""Where discovered protocols come from: a git checkout (remote URL, ref, commit) or a plain directory.

The checkout is read from its ``.git`` files directly (``HEAD``, loose and packed refs, ``config``),
the way git itself stores them: no git binary and no library needed, nothing executed, and a server
with neither still records exactly which commit its protocols were discovered at. Worktrees (a
``.git`` *file* pointing at the real git directory) and detached heads are handled; a repository
with no commit yet gives its branch with no commit hash.

Credentials in a remote URL (``https://user:token@host/...``) are never recorded: only scheme, host
and path are kept.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from praxis.backend.models.enums import SourceKind

log = logging.getLogger(__name__)

_HASH = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_SECTION = re.compile(r'^\s*\[\s*remote\s+"(?P<name>[^"]+)"\s*\]\s*$')
_ANY_SECTION = re.compile(r"^\s*\[")
_URL = re.compile(r"^\s*url\s*=\s*(?P<url>\S.*?)\s*$")


@dataclass(frozen=True)
class ProtocolSource:
    """The source of the protocols under ``root_path``, as stored on each protocol definition."""

    kind: SourceKind
    root_path: str
    repository_url: str | None = None
    ref: str | None = None
    commit_hash: str | None = None

    def values(self) -> dict[str, Any]:
        """The protocol definition's columns for this source."""
        return {
            "source_kind": self.kind,
            "source_root_path": self.root_path,
            "source_repository_url": self.repository_url,
            "source_ref": self.ref,
            "commit_hash": self.commit_hash,
        }


def read_source(directory: Path) -> ProtocolSource:
    """The git checkout ``directory`` lies in (it or a parent holds ``.git``), or a file-system source.

    An unreadable or malformed ``.git`` (a ``.git`` file of bytes that are no text, say) is taken as
    no checkout at all, with a warning: discovery still catalogs the protocols, only without their
    source.
    """
    directory = directory.resolve()
    plain = ProtocolSource(SourceKind.FILE_SYSTEM, str(directory))
    try:
        git_dir = _git_dir(directory)
        if git_dir is None:
            return plain
        common = _common_dir(git_dir)
        head = (git_dir / "HEAD").read_text().strip()
        if head.startswith("ref:"):
            ref = head.removeprefix("ref:").strip()
            commit = _resolve(common, ref) or _resolve(git_dir, ref)
            name = ref.removeprefix("refs/heads/")
        else:
            commit, name = head, None  # a detached head: the commit is all there is
        url = _remote_url(common / "config")
    except (OSError, UnicodeDecodeError) as unreadable:
        log.warning(
            "the git checkout around %s cannot be read (%s): its protocols are cataloged without their "
            "source (repository, branch, commit)",
            directory,
            unreadable,
        )
        return plain
    return ProtocolSource(
        SourceKind.GIT,
        str(directory),
        repository_url=url,
        ref=name,
        commit_hash=commit if commit is not None and _HASH.match(commit) else None,
    )


def _git_dir(directory: Path) -> Path | None:
    for candidate in (directory, *directory.parents):
        dot_git = candidate / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = dot_git.read_text().strip()
            if text.startswith("gitdir:"):
                target = Path(text.removeprefix("gitdir:").strip())
                return (candidate / target).resolve() if not target.is_absolute() else target
    return None


def _common_dir(git_dir: Path) -> Path:
    """Where refs and config live: a worktree's git directory names it in ``commondir``."""
    pointer = git_dir / "commondir"
    if pointer.is_file():
        return (git_dir / pointer.read_text().strip()).resolve()
    return git_dir


def _resolve(git_dir: Path, ref: str) -> str | None:
    loose = git_dir / ref
    if loose.is_file():
        return loose.read_text().strip()
    packed = git_dir / "packed-refs"
    if packed.is_file():
        for line in packed.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref:
                return parts[0]
    return None  # a branch with no commit yet


def _remote_url(config: Path) -> str | None:
    """``origin``'s URL, else the first remote's; without credentials."""
    if not config.is_file():
        return None
    urls: dict[str, str] = {}
    remote: str | None = None
    for line in config.read_text().splitlines():
        section = _SECTION.match(line)
        if section:
            remote = section["name"]
            continue
        if _ANY_SECTION.match(line):
            remote = None
            continue
        url = _URL.match(line)
        if remote is not None and url and remote not in urls:
            urls[remote] = url["url"]
    found = urls.get("origin") or next(iter(urls.values()), None)
    return None if found is None else without_credentials(found)


def without_credentials(url: str) -> str:
    """``https://user:token@host/x.git`` -> ``https://host/x.git``; scp-like and local paths unchanged."""
    parts = urlsplit(url)
    if not parts.scheme or "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    if parts.scheme in {"ssh", "git+ssh"}:
        user = parts.netloc.rsplit("@", 1)[0].split(":", 1)[0]
        host = f"{user}@{host}"  # ssh://git@host: the user is an account name, not a secret
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
