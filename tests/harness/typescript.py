"""The TypeScript tools the client tier runs: openapi-typescript and tsc, at the versions
``tests/clients/typescript/package-lock.json`` pins, on the machine's node.

Node and npm come from the machine (Debian's ``nodejs`` and ``npm``; ``.ci/run`` installs them when
absent). The pinned packages are installed by ``npm ci`` on first use, into the user's cache directory
under a hash of the lock file, and reused by later runs; runs that install at once do not collide
(``built_once``).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from tests.harness.built_once import built_once

PACKAGE_DIRECTORY = Path(__file__).resolve().parents[1] / "clients" / "typescript"
INSTALL_TIMEOUT_S = 600
RUN_TIMEOUT_S = 300
#: each tool's entry point inside its package
ENTRY_POINTS = {
    "openapi-typescript": "openapi-typescript/bin/cli.js",
    "tsc": "typescript/bin/tsc",
}


class MissingNodeError(RuntimeError):
    """The machine has no node or npm: the TypeScript checks cannot run."""


@dataclass(frozen=True)
class TypeScriptTools:
    node: str
    #: the installed packages' ``node_modules``
    modules: Path

    def run(self, tool: str, *arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        """``tool`` (a key of ``ENTRY_POINTS``) run in ``cwd``; its exit status is the caller's to read."""
        command = [self.node, str(self.modules / ENTRY_POINTS[tool]), *arguments]
        return subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
        )


def typescript_tools() -> TypeScriptTools:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise MissingNodeError(
            "the TypeScript checks need node and npm: `apt-get install nodejs npm` (.ci/run does this)"
        )
    lock = (PACKAGE_DIRECTORY / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock).hexdigest()[:16]
    target = Path(platformdirs.user_cache_dir("praxis")) / f"typescript-{digest}"
    return TypeScriptTools(
        node=node, modules=built_once(target, lambda work: _install(npm, work)) / "node_modules"
    )


def _install(npm: str, work: Path) -> None:
    for name in ("package.json", "package-lock.json"):
        shutil.copy(PACKAGE_DIRECTORY / name, work / name)
    install = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
        check=False,
    )
    if install.returncode != 0:
        raise RuntimeError(f"npm ci failed ({install.returncode}):\n{install.stdout}{install.stderr}")
