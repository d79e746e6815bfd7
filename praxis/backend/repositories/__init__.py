"""Async repositories, one per aggregate, and the ``Repositories`` facade bound to one session."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.repositories.base import Repository
from praxis.backend.repositories.data_output import DataOutputRepository
from praxis.backend.repositories.deck import DeckRepository
from praxis.backend.repositories.deck_definition import DeckDefinitionRepository
from praxis.backend.repositories.function_call_log import FunctionCallLogRepository
from praxis.backend.repositories.machine import MachineRepository
from praxis.backend.repositories.protocol_definition import ProtocolDefinitionRepository
from praxis.backend.repositories.protocol_run import ProtocolRunRepository
from praxis.backend.repositories.resource import ResourceRepository
from praxis.backend.repositories.resource_definition import ResourceDefinitionRepository
from praxis.backend.repositories.workcell import WorkcellRepository


class Repositories:
    """Every repository over one session: ``repos.deck``, ``repos.workcell``, ...

    The attribute names are the aggregates' names; the test builders (``tests.builders.Builders``) use
    the same ones, and a test checks that they agree.
    """

    workcell: WorkcellRepository
    machine: MachineRepository
    resource_definition: ResourceDefinitionRepository
    resource: ResourceRepository
    deck_definition: DeckDefinitionRepository
    deck: DeckRepository
    protocol_definition: ProtocolDefinitionRepository
    protocol_run: ProtocolRunRepository
    function_call_log: FunctionCallLogRepository
    data_output: DataOutputRepository

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.workcell = WorkcellRepository(session)
        self.machine = MachineRepository(session)
        self.resource_definition = ResourceDefinitionRepository(session)
        self.resource = ResourceRepository(session)
        self.deck_definition = DeckDefinitionRepository(session)
        self.deck = DeckRepository(session)
        self.protocol_definition = ProtocolDefinitionRepository(session)
        self.protocol_run = ProtocolRunRepository(session)
        self.function_call_log = FunctionCallLogRepository(session)
        self.data_output = DataOutputRepository(session)

    async def ping(self) -> None:
        """One round trip to the database; raises if it cannot be reached."""
        await self.session.execute(text("SELECT 1"))


__all__ = [
    "DataOutputRepository",
    "DeckDefinitionRepository",
    "DeckRepository",
    "FunctionCallLogRepository",
    "MachineRepository",
    "ProtocolDefinitionRepository",
    "ProtocolRunRepository",
    "Repositories",
    "Repository",
    "ResourceDefinitionRepository",
    "ResourceRepository",
    "WorkcellRepository",
]
