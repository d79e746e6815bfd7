from __future__ import annotations

from praxis.backend.repositories import Repositories
from praxis.backend.services.deck import DeckService
from tests.builders import Builders


async def test_create_deck_remaps_machine_id(repos: Builders, repositories: Repositories) -> None:
    machine = await repos.machine.create()
    deck_definition = await repos.deck_definition.create()

    deck = await DeckService(repositories).create(
        {
            "name": "remapped",
            "machine_id": machine.accession_id,
            "deck_definition_id": deck_definition.accession_id,
        }
    )

    assert deck.parent_machine_id == machine.accession_id
    assert (await repos.deck.get(deck.accession_id)).parent_machine_id == machine.accession_id
