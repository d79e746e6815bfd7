"""Async repositories, one per aggregate, and the ``Repositories`` facade bound to one session."""

from __future__ import annotations

from typing import Any, get_type_hints

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.repositories.api_token import ApiTokenRepository
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
from praxis.backend.repositories.run_event import RunEventLog
from praxis.backend.repositories.workcell import WorkcellRepository


class Repositories:
    """Every repository over one session: ``repos.deck``, ``repos.workcell``, ...

    **The registry of aggregates.** Each annotation below names an aggregate and its repository, and
    everything else that lists aggregates derives from it (``AGGREGATES``): the builders
    (``tests.builders``) are looked up by these names, each API collection's service names one
    (``repository_name``, checked when the routes are built), and the tests' collection table takes its
    aggregate and table from the routes. Adding an aggregate starts with one line here.
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
    api_token: ApiTokenRepository

    def __init__(self, session: AsyncSession) -> None:
        from praxis.backend.execution.queue import RunQueue

        self.session = session
        for name, repository in AGGREGATES.items():
            setattr(self, name, repository(session))
        #: the job queue on this session's transaction (not an aggregate: no table of its own to map)
        self.run_queue = RunQueue(session)
        #: the runs' stored events (not an aggregate: rows written by the database's triggers)
        self.run_event = RunEventLog(session)

    async def ping(self) -> None:
        """One round trip to the database; raises if it cannot be reached."""
        await self.session.execute(text("SELECT 1"))

    async def schema_revision(self) -> str | None:
        """The Alembic revision the database's schema is at; None for a database never migrated."""
        if await self.session.scalar(text("SELECT to_regclass('alembic_version')")) is None:
            return None
        return await self.session.scalar(text("SELECT version_num FROM alembic_version"))


#: every aggregate's repository class, by the aggregate's name, in the order declared above
AGGREGATES: dict[str, type[Repository[Any]]] = get_type_hints(Repositories)


def repository_class(name: str) -> type[Repository[Any]]:
    """The repository of aggregate ``name``; a ``LookupError`` naming the known ones otherwise."""
    try:
        return AGGREGATES[name]
    except KeyError:
        raise LookupError(f"no aggregate {name!r} in Repositories; known: {', '.join(AGGREGATES)}") from None


__all__ = [
    "AGGREGATES",
    "ApiTokenRepository",
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
    "repository_class",
]
