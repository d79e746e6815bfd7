"""The builder base: repository reads and writes, plus defaults and parent graphs for tests.

A builder *is* its aggregate's repository (it subclasses it), so ``repos.deck.get(id)`` and every other
read run the same code the services run; the builder only adds ``create``/``create_batch``/``build``
with valid defaults and the parents each row needs.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic

from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.db.base import Entity, new_id
from praxis.backend.repositories.base import ModelT, Repository

if TYPE_CHECKING:
    from tests.builders import Builders

_counters: defaultdict[str, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def unique_name(prefix: str) -> str:
    """``deck-gw0-7``: unique within the run, across xdist workers too, and the same on every rerun."""
    return f"{prefix}-{_WORKER}-{next(_counters[prefix])}"


@dataclass(frozen=True)
class Parent:
    """A parent a row refers to: the builder that makes one, the key column, the relationship.

    ``create=True``: a missing parent is built by default. ``create=False``: only when the test asks
    for it by passing fields (``workcell__name="..."``) or ``workcell=...``.
    """

    builder: str
    fk: str
    relationship: str
    create: bool = True


class Builder(Repository[ModelT], Generic[ModelT]):
    parents: ClassVar[dict[str, Parent]] = {}

    def __init__(self, session: AsyncSession, builders: Builders) -> None:
        super().__init__(session)
        self.builders = builders

    # -- what subclasses fill in -----------------------------------------------------------------
    def defaults(self) -> dict[str, Any]:
        """Values of one valid row, called once per row so names stay unique."""
        return {}

    def consistent(self, values: dict[str, Any], parents: dict[str, Entity]) -> dict[str, Any]:
        """Fill in fields that follow from others (a completed run's timestamps, a deck's workcell).

        ``parents`` holds the parents known as objects (passed in, or built for this row)."""
        return values

    # -- the public surface ----------------------------------------------------------------------
    def build(self, **overrides: Any) -> ModelT:
        """An unsaved row with its unsaved parents attached; nothing is written."""
        obj, _ = self._graph(overrides)
        return obj

    async def create(self, **overrides: Any) -> ModelT:
        """Persist one row and every parent it needs, all in one flush (one SAVEPOINT)."""
        obj, graph = self._graph(overrides)
        await self.save(*graph)
        return obj

    async def create_batch(self, n: int, **overrides: Any) -> list[ModelT]:
        """``n`` distinct rows in one INSERT, sharing one parent graph that is created once."""
        own, given, nested = self._split(overrides)
        parents = self._parents(own, given, nested)
        if parents.graph:
            await self.save(*parents.graph)
        rows = [self.consistent({**self.defaults(), **parents.keys, **own}, parents.known) for _ in range(n)]
        return await self.create_many(rows)

    # -- internals --------------------------------------------------------------------------------
    def _builder(self, parent: Parent) -> Builder[Any]:
        return getattr(self.builders, parent.builder)

    def _split(
        self, overrides: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any], defaultdict[str, dict[str, Any]]]:
        """Own fields, parents passed as objects or ids, and ``parent__field`` overrides."""
        own: dict[str, Any] = {}
        given: dict[str, Any] = {}
        nested: defaultdict[str, dict[str, Any]] = defaultdict(dict)
        for key, value in overrides.items():
            head, sep, rest = key.partition("__")
            if sep and head in self.parents:
                nested[head][rest] = value
            elif key in self.parents:
                given[key] = value
            else:
                own[key] = value
        return own, given, nested

    def _parents(
        self, own: dict[str, Any], given: dict[str, Any], nested: defaultdict[str, dict[str, Any]]
    ) -> ParentGraph:
        """Resolve every parent: a key column given outright, a parent passed as object or id, or a
        new one built (with ``parent__field`` overrides) unless the parent is optional."""
        parents = ParentGraph()
        for name, parent in self.parents.items():
            if parent.fk in own:
                continue
            if name in given:
                parents.keys[parent.fk] = _id_of(given[name])
                if isinstance(given[name], Entity):
                    parents.known[name] = given[name]
            elif parent.create or name in nested:
                parent_obj, parent_graph = self._builder(parent)._graph(nested[name])
                parents.graph.extend(parent_graph)
                parents.keys[parent.fk] = parent_obj.accession_id
                parents.known[name] = parents.links[parent.relationship] = parent_obj
        return parents

    def _graph(self, overrides: dict[str, Any]) -> tuple[ModelT, list[Entity]]:
        """The row and, parents first, every new object to insert with it."""
        own, given, nested = self._split(overrides)
        parents = self._parents(own, given, nested)
        values = self.consistent(
            {"accession_id": new_id(), **self.defaults(), **parents.keys, **own}, parents.known
        )
        obj = self.new(**values, **parents.links)
        return obj, [*parents.graph, obj]


@dataclass
class ParentGraph:
    """What resolving a row's parents gives: the key columns to set, the parents known as objects
    (for ``consistent``), the new objects to insert first, and the relationships that attach them."""

    keys: dict[str, Any] = field(default_factory=dict)
    known: dict[str, Entity] = field(default_factory=dict)
    graph: list[Entity] = field(default_factory=list)
    links: dict[str, Entity] = field(default_factory=dict)


def _id_of(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    if isinstance(value, Entity):
        return value.accession_id
    return uuid.UUID(str(value))
