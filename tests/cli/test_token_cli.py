"""``praxis token create | list | revoke``, and ``praxis serve``'s refusal to open a network to all,
run as a user runs them (subprocesses on a committed database of the test's own)."""

from __future__ import annotations

import hashlib

import pytest

from praxis.backend.services.api_token import SECRET_PREFIX
from tests.cli.test_cli import praxis, scalar

pytestmark = pytest.mark.slow(seconds=3)


async def test_a_token_is_created_shown_once_listed_without_its_secret_and_revoked(
    committed_database: str,
) -> None:
    created = praxis(committed_database, "token", "create", "--name", "ci", "--scope", "read,run")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith(SECRET_PREFIX) and len(secret) > 40
    stored = await scalar(committed_database, "SELECT secret_hash FROM api_token WHERE name = 'ci'")
    assert stored == hashlib.sha256(secret.encode()).hexdigest()  # the hash, never the secret

    listed = praxis(committed_database, "token", "list")
    assert listed.returncode == 0, listed.stderr
    assert "ci" in listed.stdout and "read,run" in listed.stdout and secret[:10] in listed.stdout
    assert secret not in listed.stdout

    revoked = praxis(committed_database, "token", "revoke", "ci")
    assert revoked.returncode == 0, revoked.stderr
    assert await scalar(committed_database, "SELECT count(*) FROM api_token") == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["token", "create", "--name", "x", "--scope", "root"], "unknown scope 'root'"),
        (["token", "revoke", "nobody"], "no API token is named 'nobody'"),
    ],
)
async def test_token_mistakes_are_one_line_and_exit_2(
    committed_database: str, args: list[str], message: str
) -> None:
    result = praxis(committed_database, *args)

    assert result.returncode == 2
    assert message in result.stdout and "Traceback" not in result.stdout + result.stderr
    assert await scalar(committed_database, "SELECT count(*) FROM api_token") == 0


def test_a_name_is_taken_once(committed_database: str) -> None:
    assert praxis(committed_database, "token", "create", "--name", "ci").returncode == 0

    again = praxis(committed_database, "token", "create", "--name", "ci")

    assert again.returncode == 2 and "already exists" in again.stdout


def test_serve_off_loopback_refuses_to_start_without_a_token(committed_database: str) -> None:
    # refused before anything is bound: no socket is opened on the network
    result = praxis(committed_database, "serve", "--host", "0.0.0.0", "--port", "9")

    assert result.returncode == 2
    assert "Refusing to serve on 0.0.0.0 with no API token" in result.stdout
