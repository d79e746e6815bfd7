from __future__ import annotations

import uuid

import pytest

from praxis.backend.errors import NotFoundError
from praxis.backend.models.orm import DataType, RunStatus
from praxis.backend.repositories import Repositories
from praxis.backend.services.outputs import OutputService
from tests.builders import Builders


async def test_create_output_success(repos: Builders, repositories: Repositories) -> None:
    run = await repos.protocol_run.create(status=RunStatus.RUNNING)
    deck = await repos.deck.create()

    output = await OutputService(repositories).create(
        {
            "protocol_run_id": run.accession_id,
            "name": "absorbance_600nm",
            "data_type": DataType.NUMERIC,
            "numeric_value": 0.734,
            "unit": "OD",
            "well_name": "B7",
            "deck_id": deck.accession_id,
            "spatial_context": {"plate": "assay plate", "position": "rail-1"},
        }
    )

    stored = await repos.data_output.get(output.accession_id)
    assert (stored.numeric_value, stored.unit, stored.well_name) == (0.734, "OD", "B7")
    assert stored.protocol_run_id == run.accession_id and stored.deck_id == deck.accession_id
    assert stored.spatial_context == {"plate": "assay plate", "position": "rail-1"}


async def test_get_output_success(repos: Builders, repositories: Repositories) -> None:
    output = await repos.data_output.create(data_type=DataType.JSON, json_value={"spectrum": [0.1, 0.2]})

    fetched = await OutputService(repositories).get(output.accession_id)

    assert fetched.accession_id == output.accession_id
    assert fetched.json_value == {"spectrum": [0.1, 0.2]}


async def test_get_output_not_found(repositories: Repositories) -> None:
    missing = uuid.uuid4()
    with pytest.raises(NotFoundError) as raised:
        await OutputService(repositories).get(missing)
    assert raised.value.entity == "function_data_output"
    assert str(missing) in raised.value.message
