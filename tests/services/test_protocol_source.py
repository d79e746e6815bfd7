"""Where protocols come from: git checkouts read from their ``.git`` files, and discovery recording it.

Each test writes the ``.git`` files it needs, in the format git itself writes, so the reader is tested
without a git binary.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from praxis.backend.models.orm import SourceKind
from praxis.backend.repositories import Repositories
from praxis.backend.services.discovery import DiscoveryService
from praxis.backend.services.discovery.source import read_source, without_credentials

COMMIT = "3f786850e387550fdab836ed7e6dc881de23001b"
OLDER = "89e6c98d92887913cadf06b2adb97f26cde4849b"
CONFIG = """[core]
\trepositoryformatversion = 0
[remote "upstream"]
\turl = https://github.com/example/upstream.git
[remote "origin"]
\turl = https://ci-bot:s3cret@github.com/lab/protocols.git
\tfetch = +refs/heads/*:refs/remotes/origin/*
[branch "main"]
\tremote = origin
"""


def checkout(root: Path, head: str = "ref: refs/heads/main\n", config: str = CONFIG) -> Path:
    git = root / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text(head)
    (git / "config").write_text(config)
    return git


def test_a_checkout_gives_its_remote_branch_and_commit(tmp_path: Path) -> None:
    git = checkout(tmp_path)
    (git / "refs" / "heads" / "main").write_text(COMMIT + "\n")
    protocols = tmp_path / "protocols"
    protocols.mkdir()

    source = read_source(protocols)

    assert (source.kind, source.ref, source.commit_hash) == (SourceKind.GIT, "main", COMMIT)
    assert source.repository_url == "https://github.com/lab/protocols.git"  # origin, without credentials
    assert source.root_path == str(protocols.resolve())


def test_packed_refs_and_detached_heads(tmp_path: Path) -> None:
    git = checkout(tmp_path / "packed")
    (git / "packed-refs").write_text(
        f"# pack-refs with: peeled fully-peeled sorted\n{COMMIT} refs/heads/main\n"
    )
    checkout(tmp_path / "detached", head=OLDER + "\n", config="")

    packed = read_source(tmp_path / "packed")
    detached = read_source(tmp_path / "detached")

    assert (packed.ref, packed.commit_hash) == ("main", COMMIT)
    assert (detached.ref, detached.commit_hash, detached.repository_url) == (None, OLDER, None)


def test_a_worktree_reads_refs_and_config_from_the_main_repository(tmp_path: Path) -> None:
    main = checkout(tmp_path / "main")
    worktree_git = main / "worktrees" / "feature"
    worktree_git.mkdir(parents=True)
    (worktree_git / "HEAD").write_text("ref: refs/heads/feature\n")
    (worktree_git / "commondir").write_text("../..\n")
    (main / "refs" / "heads" / "feature").write_text(OLDER + "\n")
    worktree = tmp_path / "feature"
    worktree.mkdir()
    (worktree / ".git").write_text(f"gitdir: {worktree_git}\n")

    source = read_source(worktree)

    assert (source.kind, source.ref, source.commit_hash) == (SourceKind.GIT, "feature", OLDER)
    assert source.repository_url == "https://github.com/lab/protocols.git"


def test_a_new_repository_or_a_plain_directory(tmp_path: Path) -> None:
    checkout(tmp_path / "new")
    (tmp_path / "plain").mkdir()

    new = read_source(tmp_path / "new")
    plain = read_source(tmp_path / "plain")

    assert (new.kind, new.ref, new.commit_hash) == (SourceKind.GIT, "main", None)
    assert (plain.kind, plain.repository_url, plain.commit_hash) == (SourceKind.FILE_SYSTEM, None, None)


def test_credentials_never_leave_a_url() -> None:
    assert without_credentials("https://u:t@host/x.git") == "https://host/x.git"
    assert without_credentials("ssh://git@host/x.git") == "ssh://git@host/x.git"
    assert without_credentials("git@github.com:lab/x.git") == "git@github.com:lab/x.git"
    assert without_credentials("/srv/git/x.git") == "/srv/git/x.git"


async def test_discovery_records_the_commit_of_each_protocol(
    repositories: Repositories, tmp_path: Path
) -> None:
    git = checkout(tmp_path)
    (git / "refs" / "heads" / "main").write_text(COMMIT + "\n")
    (tmp_path / "wash.py").write_text("def wash_plate(cycles: int = 3) -> None:\n    pass\n")
    service = DiscoveryService(repositories)

    [first] = (await service.discover_and_upsert_protocols(tmp_path)).definitions
    (git / "refs" / "heads" / "main").write_text(OLDER + "\n")
    [again] = (await service.discover_and_upsert_protocols(tmp_path)).definitions

    assert (first.source_kind, first.source_ref, first.source_root_path) == (
        SourceKind.GIT,
        "main",
        str(tmp_path),
    )
    assert first.source_repository_url == "https://github.com/lab/protocols.git"
    assert again.commit_hash == OLDER  # checked out elsewhere: the definition follows the checkout


async def test_a_git_file_of_bytes_that_are_no_text_leaves_only_the_source_out(
    repositories: Repositories, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The probe's ``.git`` file of non-UTF-8 bytes in a scanned directory (a 500 before)."""
    (tmp_path / ".git").write_bytes(b"gitdir: \xff\xfe\x80 not text\n")
    (tmp_path / "wash.py").write_text("def wash_plate(cycles: int = 3) -> None:\n    pass\n")

    [definition] = (await DiscoveryService(repositories).discover_and_upsert_protocols(tmp_path)).definitions
    with caplog.at_level(logging.WARNING, logger="praxis.backend.services.discovery.source"):
        source = read_source(tmp_path)  # discovery reads it in its child process: its log is the child's

    assert definition.fqn.endswith("wash_plate") and definition.source_kind == SourceKind.FILE_SYSTEM
    assert definition.commit_hash is None and source.kind == SourceKind.FILE_SYSTEM
    assert "cannot be read" in caplog.text and str(tmp_path) in caplog.text
