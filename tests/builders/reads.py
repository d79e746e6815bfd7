"""What a builder answers for its repository: the contract every repository has, typed.

A builder *uses* its repository; it is not one. So that a test reads through exactly the code the
services run, ``repos.deck.get(id)`` is ``repos.deck.repository.get(id)``: the reads (and the
repository's own batch write, ``create_many``) every repository has are delegated here, each typed,
so a type checker sees ``DeckOrm`` where it used to see ``Any``. An aggregate's own queries
(``get_by_fqn``, ``calls_of``, ``list_on_parent``, ...) are its repository's, reached through the
builder's typed ``repository``: ``await repos.protocol_run.repository.calls_of(run.accession_id)``.
The reads that return rows then load every relationship of those rows (``loading.load_graph``): a
test reads what is stored, relationships included, while a service's queries stay its own.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from typing_extensions import TypeVar as DefaultedTypeVar

from praxis.backend.db.base import Entity
from praxis.backend.repositories.base import ModelT, Repository
from tests.builders.loading import load_graph

ReadT = TypeVar("ReadT", bound="Entity | None")
#: the aggregate's repository class, for its own queries (``DeckRepository``); by default the base
#: class of the builder's model, so ``Builder[WorkcellOrm]`` needs no second argument (``typing``'s
#: ``TypeVar`` takes a default from Python 3.13)
RepoT = DefaultedTypeVar("RepoT", bound="Repository[Any]", default="Repository[ModelT]", covariant=True)

if TYPE_CHECKING:
    from tests.builders import Builders


class RepositoryReads(Generic[ModelT, RepoT]):
    """The repository contract, delegated: ``get``, ``get_or_none``, ``get_by``, ``list``, ``count``,
    ``exists``, ``create_many``, ``update``, ``delete``; each in the session's turn (``turns.py``)."""

    builders: Builders
    _repository_object: RepoT

    @property
    def repository(self) -> RepoT:
        """The aggregate's repository, typed as its own class for the test's calls to its own
        queries; read-only, so ``Builder[Any]`` is any builder (``RepoT`` is covariant)."""
        return self._repository_object

    @property
    def _repository(self) -> Repository[ModelT]:
        """``repository`` as the contract over ``ModelT``, for the calls made here: what the
        aggregate's class adds is the test's, and the rows it gives back stay typed as the model."""
        return self.repository

    async def get(self, id: uuid.UUID) -> ModelT:
        async with self.builders.turns():
            return await self._loaded(await self._repository.get(id))

    async def get_or_none(self, id: uuid.UUID) -> ModelT | None:
        async with self.builders.turns():
            return await self._loaded(await self._repository.get_or_none(id))

    async def get_by(self, **filters: Any) -> ModelT | None:
        async with self.builders.turns():
            return await self._loaded(await self._repository.get_by(**filters))

    async def list(
        self,
        filters: Mapping[str, Any] | None = None,
        *,
        order_by: str | Sequence[str] | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> builtins.list[ModelT]:
        async with self.builders.turns():
            rows = await self._repository.list(filters, order_by=order_by, limit=limit, offset=offset)
            await load_graph(self._repository.session, rows)
            return rows

    async def _loaded(self, obj: ReadT) -> ReadT:
        """``obj`` with every relationship as stored (``loading``): what a builder's read adds to the
        repository's (called within the session's turn)."""
        await load_graph(self._repository.session, [obj])
        return obj

    async def count(self, **filters: Any) -> int:
        async with self.builders.turns():
            return await self._repository.count(**filters)

    async def exists(self, **filters: Any) -> bool:
        async with self.builders.turns():
            return await self._repository.exists(**filters)

    async def create_many(self, rows: Iterable[Mapping[str, Any]]) -> builtins.list[ModelT]:
        async with self.builders.turns():
            return await self._repository.create_many(rows)

    async def update(
        self, id_or_obj: uuid.UUID | ModelT, *, expected_version: int | None = None, **changes: Any
    ) -> ModelT:
        async with self.builders.turns():
            return await self._repository.update(id_or_obj, expected_version=expected_version, **changes)

    async def delete(self, id: uuid.UUID) -> None:
        async with self.builders.turns():
            await self._repository.delete(id)
