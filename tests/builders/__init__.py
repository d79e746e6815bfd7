"""Test builders, one per aggregate, reached through the ``repos`` fixture (``repos.deck.create()``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.db.base import Entity
from praxis.backend.repositories import AGGREGATES as REGISTRY
from praxis.backend.repositories import Repositories
from tests.builders.api_token import ApiTokenBuilder
from tests.builders.base import Builder, Parent, UnknownFieldError, unique_name
from tests.builders.data_output import DataOutputBuilder
from tests.builders.deck import DeckBuilder
from tests.builders.deck_definition import DeckDefinitionBuilder
from tests.builders.function_call_log import FunctionCallLogBuilder
from tests.builders.loading import load_graph
from tests.builders.machine import MachineBuilder
from tests.builders.protocol_definition import ProtocolDefinitionBuilder
from tests.builders.protocol_run import ProtocolRunBuilder
from tests.builders.resource import ResourceBuilder
from tests.builders.resource_definition import ResourceDefinitionBuilder
from tests.builders.turns import Turns
from tests.builders.workcell import WorkcellBuilder


class Builders:
    """A builder per aggregate over one session, named as ``Repositories`` names the repositories.

    The builders are found by the registry of aggregates (``praxis.backend.repositories.AGGREGATES``):
    each aggregate's builder is the ``Builder`` subclass whose ``repository_name`` names it. The
    annotations below only tell type checkers and editors what ``repos.deck`` is; a test checks that
    they say what the registry says.

    Builder calls take turns on the session (``turns.py``): ``asyncio.gather`` over them runs them one
    after another. The repositories' own queries (``repos.deck.repository...``) and the session do not.

    Not a ``Repositories``: a service takes the real repositories (``builders.repositories``, or the
    ``repositories`` fixture), so handing it builders is a type error mypy reports, and a runtime one.
    """

    workcell: WorkcellBuilder
    machine: MachineBuilder
    resource_definition: ResourceDefinitionBuilder
    resource: ResourceBuilder
    deck_definition: DeckDefinitionBuilder
    deck: DeckBuilder
    protocol_definition: ProtocolDefinitionBuilder
    protocol_run: ProtocolRunBuilder
    function_call_log: FunctionCallLogBuilder
    data_output: DataOutputBuilder
    api_token: ApiTokenBuilder

    def __init__(self, session: AsyncSession, repositories: Repositories | None = None) -> None:
        self.session = session
        self.turns = Turns.of(session)
        self.repositories = repositories or Repositories(session)
        for name, builder in BUILDERS.items():
            setattr(self, name, builder(self))

    async def refresh(self, *objects: Entity) -> None:
        """Reload ``objects`` from the database, columns and relationships as stored (``loading``):
        the way back after ``expire_all()``, a request or a commit elsewhere, instead of an attribute
        read that would need a lazy load (``MissingGreenlet``, ``lazy='raise'``)."""
        async with self.turns():
            for obj in objects:
                await self.session.refresh(obj)  # refused, as ever, for an object not in this session
            await load_graph(self.session, objects)


def _builder_of(aggregate: str) -> type[Builder[Any]]:
    try:
        return Builder.by_aggregate[aggregate]
    except KeyError:
        raise LookupError(
            f"aggregate {aggregate!r} has no builder: add tests/builders/{aggregate}.py with a Builder "
            f"whose repository_name is {aggregate!r}, and import it here"
        ) from None


#: each aggregate's builder class, by the name ``repos`` and ``Repositories`` give it (registry order)
BUILDERS: dict[str, type[Builder[Any]]] = {name: _builder_of(name) for name in REGISTRY}
#: every aggregate's name: for tests parametrised over all of them
AGGREGATES: tuple[str, ...] = tuple(BUILDERS)

__all__ = ["AGGREGATES", "BUILDERS", "Builder", "Builders", "Parent", "UnknownFieldError", "unique_name"]
