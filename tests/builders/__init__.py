"""Test builders, one per aggregate, reached through the ``repos`` fixture (``repos.deck.create()``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.repositories import Repositories
from tests.builders.base import Builder, Parent, unique_name
from tests.builders.data_output import DataOutputBuilder
from tests.builders.deck import DeckBuilder
from tests.builders.deck_definition import DeckDefinitionBuilder
from tests.builders.machine import MachineBuilder
from tests.builders.protocol_definition import ProtocolDefinitionBuilder
from tests.builders.protocol_run import ProtocolRunBuilder
from tests.builders.resource import ResourceBuilder
from tests.builders.resource_definition import ResourceDefinitionBuilder
from tests.builders.workcell import WorkcellBuilder


class Builders(Repositories):
    """The ``Repositories`` facade with a builder in place of each repository."""

    workcell: WorkcellBuilder
    machine: MachineBuilder
    resource_definition: ResourceDefinitionBuilder
    resource: ResourceBuilder
    deck_definition: DeckDefinitionBuilder
    deck: DeckBuilder
    protocol_definition: ProtocolDefinitionBuilder
    protocol_run: ProtocolRunBuilder
    data_output: DataOutputBuilder

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.workcell = WorkcellBuilder(session, self)
        self.machine = MachineBuilder(session, self)
        self.resource_definition = ResourceDefinitionBuilder(session, self)
        self.resource = ResourceBuilder(session, self)
        self.deck_definition = DeckDefinitionBuilder(session, self)
        self.deck = DeckBuilder(session, self)
        self.protocol_definition = ProtocolDefinitionBuilder(session, self)
        self.protocol_run = ProtocolRunBuilder(session, self)
        self.data_output = DataOutputBuilder(session, self)


#: every aggregate's name, as ``repos`` and ``Repositories`` spell it: for tests parametrised over all
AGGREGATES: tuple[str, ...] = tuple(Builders.__annotations__)

__all__ = ["AGGREGATES", "Builder", "Builders", "Parent", "unique_name"]
