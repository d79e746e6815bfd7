"""A Python client generated from the served OpenAPI document, the way a lab integrator makes one.

``openapi-python-client`` (pinned in the ``test`` extra) turns the document a live server serves into
a package, ``praxis_client``; the client tier (``tests/clients/``) then talks to the server through
that package only. Generating takes a second or two, so it happens once per document: the package is
kept under a directory named after a hash of the document and the generator's version, shared by the
run's xdist workers (``built_once``: no worker imports a half-written package).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import pkgutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from tests.harness.built_once import built_once

GENERATOR = "openapi-python-client"
PACKAGE = "praxis_client"
#: what the generator is told besides the document: the package's name, and nothing else
CONFIG = f"project_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\n"
GENERATE_TIMEOUT_S = 120


@dataclass(frozen=True)
class GeneratedClient:
    """The generated package: its models, and each operation's module by the document's operation id."""

    package: ModuleType
    models: ModuleType
    #: operation id -> the module the generator made for it (``sync_detailed``, ``asyncio``, ...)
    operations: dict[str, ModuleType]
    #: what the generator printed: its warnings name every operation it could not generate
    log: str

    def client(self, base_url: str) -> Any:
        """A client of the package on ``base_url``; an answer the document does not list raises."""
        return self.package.Client(
            base_url=base_url, raise_on_unexpected_status=True, timeout=httpx.Timeout(60)
        )

    def call(self, client: Any, operation_id: str, **arguments: Any) -> Any:
        """The operation's ``sync_detailed``: a ``Response`` with ``status_code`` and the typed
        ``parsed`` body (the read model, or ``ErrorBody`` for an error)."""
        return self.operations[operation_id].sync_detailed(client=client, **arguments)


_imported: dict[Path, GeneratedClient] = {}


def generated_client(document: bytes, cache: Path) -> GeneratedClient:
    """The client generated from ``document`` (the served ``/openapi.json``), kept under ``cache``."""
    version = importlib.metadata.version(GENERATOR)
    digest = hashlib.sha256(version.encode() + b"\0" + document).hexdigest()[:16]
    target = cache / f"{PACKAGE}-{digest}"
    if target not in _imported:
        _imported[target] = _import(built_once(target, lambda work: _generate(document, work)))
    return _imported[target]


def _generate(document: bytes, work: Path) -> None:
    (work / "openapi.json").write_bytes(document)
    (work / "config.yaml").write_text(CONFIG)
    command = [
        str(Path(sys.executable).with_name(GENERATOR)),
        "generate",
        "--path=openapi.json",
        "--config=config.yaml",
        "--meta=none",
        f"--output-path={PACKAGE}",
    ]
    run = subprocess.run(
        command, cwd=work, capture_output=True, text=True, timeout=GENERATE_TIMEOUT_S, check=False
    )
    (work / "generator.log").write_text(run.stdout + run.stderr)
    if run.returncode != 0:
        raise RuntimeError(f"{GENERATOR} failed ({run.returncode}):\n{run.stdout}{run.stderr}")


def _import(target: Path) -> GeneratedClient:
    loaded = sys.modules.get(PACKAGE)
    if loaded is not None and Path(loaded.__file__ or "").parent != target / PACKAGE:
        raise RuntimeError(f"{PACKAGE} is already imported from {loaded.__file__}, not {target}")
    sys.path.insert(0, str(target))
    package = importlib.import_module(PACKAGE)
    api = importlib.import_module(f"{PACKAGE}.api")
    operations = {
        info.name.rsplit(".", 1)[-1]: importlib.import_module(info.name)
        for info in pkgutil.walk_packages(api.__path__, f"{PACKAGE}.api.")
        if not info.ispkg
    }
    return GeneratedClient(
        package=package,
        models=importlib.import_module(f"{PACKAGE}.models"),
        operations=operations,
        log=(target / "generator.log").read_text(),
    )
