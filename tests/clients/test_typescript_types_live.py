"""The API's types as a TypeScript client gets them: ``openapi-typescript`` run on the document the
live server serves, the result compiled by ``tsc --strict`` with a create body of every collection
(``typescript/bodies.ts``).

openapi-typescript runs with ``--default-non-nullable=false``: by default it makes a field with a
default required, so a request body would have to spell out every defaulted field (a workcell's
``status``); with it, a field the server defaults may be left out, as the document says.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.clients import CLIENT_TIER
from tests.harness.typescript import PACKAGE_DIRECTORY, TypeScriptTools

pytestmark = pytest.mark.xdist_group(CLIENT_TIER)

OPENAPI_TYPESCRIPT_OPTIONS = ["--default-non-nullable=false"]
#: bodies with a mistake each, compiled beside the real ones: tsc must report exactly these
WRONG = """import type { components } from "./schema";
export const numberForName: components["schemas"]["WorkcellCreate"] = { name: 1 };
export const unknownField: components["schemas"]["WorkcellCreate"] = { name: "bay", colour: "red" };
export const stateNotObject: components["schemas"]["WorkcellCreate"] = { name: "bay", latest_state: "open" };
"""
EXPECTED_ERRORS = [("wrong.ts", 2, "TS2322"), ("wrong.ts", 3, "TS2353"), ("wrong.ts", 4, "TS2322")]
DIAGNOSTIC = re.compile(r"^([\w.]+)\((\d+),\d+\): error (TS\d+)", re.MULTILINE)


@pytest.mark.slow(seconds=8)
def test_the_generated_types_and_every_create_body_compile_under_strict(
    typescript: TypeScriptTools, document: bytes, tmp_path: Path
) -> None:
    (tmp_path / "openapi.json").write_bytes(document)
    for name in ("bodies.ts", "tsconfig.json"):
        shutil.copy(PACKAGE_DIRECTORY / name, tmp_path / name)
    (tmp_path / "wrong.ts").write_text(WRONG)

    generated = typescript.run(
        "openapi-typescript", "openapi.json", "-o", "schema.d.ts", *OPENAPI_TYPESCRIPT_OPTIONS, cwd=tmp_path
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    compiled = typescript.run("tsc", "-p", "tsconfig.json", cwd=tmp_path)

    errors = [(file, int(line), code) for file, line, code in DIAGNOSTIC.findall(compiled.stdout)]
    assert errors == EXPECTED_ERRORS, compiled.stdout + compiled.stderr
    assert "strict" in json.loads((tmp_path / "tsconfig.json").read_text())["compilerOptions"]


def test_bodies_ts_builds_the_body_of_every_create_operation(document: bytes) -> None:
    bodies = (PACKAGE_DIRECTORY / "bodies.ts").read_text()
    creates = {
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        for item in json.loads(document)["paths"].values()
        for method, operation in item.items()
        if method == "post" and operation["operationId"].startswith("create_")
    }

    assert len(creates) >= 11
    assert {name for name in creates if f'Schemas["{name}"]' not in bodies} == set()
