"""The builder base: valid rows and their parents for tests, written through the real repositories.

A builder *uses* its aggregate's repository; it is not one. ``create``, ``create_batch`` and ``build``
are the builder's own; the reads every repository has (``get``, ``count``, ...) are the repository's,
delegated and typed (``RepositoryReads``), and an aggregate's own queries are reached through the
builder's typed ``repository`` (``repos.deck.repository.list_for_machine(id)``), so a test's reads
run exactly the code the services run. A service
under test gets the ``Repositories`` themselves (the ``repositories`` fixture), never builders: its
rules are then the rules production has.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic

from sqlalchemy.orm import attributes

from praxis.backend.db.base import Entity, new_id
from praxis.backend.repositories import repository_class
from praxis.backend.repositories.base import ModelT
from tests.builders.reads import RepositoryReads, RepoT

if TYPE_CHECKING:
    from tests.builders import Builders

_counters: defaultdict[str, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def unique_name(prefix: str) -> str:
    """``deck-gw0-7``: unique within the run, across xdist workers too, and the same on every rerun."""
    return f"{prefix}-{_WORKER}-{next(_counters[prefix])}"


class UnknownFieldError(TypeError):
    """A builder was given a field its row does not have, or one the data layer sets by itself."""


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


class Builder(RepositoryReads[ModelT, RepoT], Generic[ModelT, RepoT]):
    """Defaults and parents for one aggregate; subclasses set ``repository_name``, ``parents`` and
    ``defaults``. An aggregate with a repository class of its own names it as the second argument,
    ``Builder[DeckOrm, DeckRepository]``, so ``repos.deck.repository`` has its own queries, typed."""

    #: the attribute of ``Repositories`` whose repository stores these rows
    repository_name: ClassVar[str]
    parents: ClassVar[dict[str, Parent]] = {}
    #: the type of a field the builder takes in a wider form than its model's (a deck type's
    #: ``positions`` as dicts): for ``fields.py`` (``python -m tests.builders.generate``)
    field_types: ClassVar[dict[str, Any]] = {}
    #: every builder class by the aggregate it builds, filled as the classes are defined
    by_aggregate: ClassVar[dict[str, type[Builder[Any]]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "repository_name" in cls.__dict__:
            repository_class(cls.repository_name)  # an aggregate the registry knows
            Builder.by_aggregate[cls.repository_name] = cls

    def __init__(self, builders: Builders) -> None:
        self.builders = builders
        self._repository_object = getattr(builders.repositories, self.repository_name)

    # -- what subclasses fill in -----------------------------------------------------------------
    def defaults(self) -> dict[str, Any]:
        """Values of one valid row, called once per row so names stay unique."""
        return {}

    def consistent(self, values: dict[str, Any], parents: dict[str, Entity]) -> dict[str, Any]:
        """Fill in fields that follow from others (a completed run's timestamps, a deck's workcell).

        ``parents`` holds the parents known as objects (passed in, or built for this row)."""
        return values

    # -- the public surface ----------------------------------------------------------------------
    # Each builder declares these with its own fields, ``**overrides: Unpack[DeckFields]`` (the
    # TypedDicts of ``fields.py``), so that a misspelt field is a type error and editors complete the
    # names. Where any builder may be meant (``Builder[Any]``), they take any name, refused at run
    # time by ``UnknownFieldError``.
    if TYPE_CHECKING:
        build: Callable[..., ModelT]
        create: Callable[..., Awaitable[ModelT]]
        create_batch: Callable[..., Awaitable[list[ModelT]]]
    else:

        def build(self, **overrides):
            """An unsaved row with its parents attached (new ones unsaved too); nothing is written."""
            return self._build(overrides)

        async def create(self, **overrides):
            """Persist one row and every parent it needs, all in one flush (one SAVEPOINT)."""
            return await self._create(overrides)

        async def create_batch(self, n, **overrides):
            """``n`` distinct rows in one INSERT, sharing one parent graph that is created once."""
            return await self._create_batch(n, overrides)

    def _build(self, overrides: dict[str, Any]) -> ModelT:
        obj, _ = self._graph(overrides)
        self._attach(obj, self._given_objects(overrides))
        return obj

    async def _create(self, overrides: dict[str, Any]) -> ModelT:
        async with self.builders.turns():
            obj, graph = self._graph(overrides)
            await self._repository.save(*graph)
        self._attach(obj, self._given_objects(overrides))
        return obj

    async def _create_batch(self, n: int, overrides: dict[str, Any]) -> list[ModelT]:
        async with self.builders.turns():
            own, given, nested = self._split(overrides)
            parents = self._parents(own, given, nested)
            if parents.graph:
                await self._repository.save(*parents.graph)
            rows = [
                self.consistent({**self.defaults(), **parents.keys, **own}, parents.known) for _ in range(n)
            ]
            created = await self._repository.create_many(rows)
        for obj in created:
            self._attach(obj, parents.known)
        return created

    # -- internals --------------------------------------------------------------------------------
    def _builder(self, parent: Parent) -> Builder[Any]:
        return getattr(self.builders, parent.builder)  # type: ignore[no-any-return]

    def fields(self) -> list[str]:
        """What an override may name: the row's columns, its parents, and ``parent__field``."""
        model = self._repository.model
        relationships = set(model.__mapper__.relationships.keys())
        return sorted(set(self._repository.columns()) - self._managed() | relationships | set(self.parents))

    def _managed(self) -> set[str]:
        version = self._repository.model.__mapper__.version_id_col
        return {str(version.key)} if version is not None else set()

    def _refuse_unknown(self, names: Iterable[str]) -> None:
        allowed = set(self.fields())
        unknown = sorted(name for name in names if name not in allowed)
        if not unknown:
            return
        entity = self._repository.entity
        managed = [name for name in unknown if name in self._managed()]
        if managed:
            raise UnknownFieldError(
                f"{entity}.{managed[0]} is set by the data layer (it counts the row's updates) and cannot "
                "be given to a builder"
            )
        raise UnknownFieldError(
            f"{entity} has no field {unknown[0]!r}; the fields are: {', '.join(self.fields())} "
            f"(and parent__field for a parent: {', '.join(self.parents) or 'none'})"
        )

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
        self._refuse_unknown(own)
        for name, fields in nested.items():
            child = self._builder(self.parents[name])
            child._refuse_unknown(key.partition("__")[0] for key in fields)
        return own, given, nested

    def _parents(
        self,
        own: dict[str, Any],
        given: dict[str, Any],
        nested: defaultdict[str, dict[str, Any]],
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
        obj = self._repository.new(**values, **parents.links)
        return obj, [*parents.graph, obj]

    def _given_objects(self, overrides: dict[str, Any]) -> dict[str, Entity]:
        return {
            name: value
            for name, value in overrides.items()
            if name in self.parents and isinstance(value, Entity)
        }

    def _attach(self, obj: Entity, parents: dict[str, Entity]) -> None:
        """Make ``obj.<parent>`` readable for parents the test already holds, without a query.

        Set as loaded state, not as a change: no backref appends the row to the parent's children
        (which would cascade a built row into the parent's session), and a parent from another
        session stays where it is."""
        for name, parent_obj in parents.items():
            relationship = self.parents[name].relationship
            attributes.set_committed_value(obj, relationship, parent_obj)


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
