"""The create / get / list / update / delete every aggregate's service offers, with hooks for rules.

Services hold the rules and speak in the API's field names; repositories hold the queries. A service
never builds SQL: it calls its repositories, and raises the project's exceptions for broken rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic

from praxis.backend.errors import ConflictError, InvalidValueError
from praxis.backend.repositories import Repositories
from praxis.backend.repositories.base import ModelT, Repository

#: query fields matched as a case-insensitive substring rather than exactly
SUBSTRING_FILTERS = frozenset({"name"})


def require_repositories(repos: Repositories) -> Repositories:
    """Services run on the real repositories. Test builders look alike but add defaults and parents
    of their own; a service given them would pass tests that production fails."""
    if not isinstance(repos, Repositories):
        raise TypeError(f"a service takes Repositories, not {type(repos).__name__}")
    return repos


@dataclass(frozen=True)
class Page(Generic[ModelT]):
    items: list[ModelT]
    total: int


class CrudService(Generic[ModelT]):
    repository_name: ClassVar[str]
    #: fields a list may be ordered by (the API refuses others with 422)
    orderable: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at", "name"})
    #: API field name -> model attribute, where they differ
    renamed: ClassVar[dict[str, str]] = {}

    def __init__(self, repos: Repositories) -> None:
        self.repos = require_repositories(repos)

    @property
    def repository(self) -> Repository[ModelT]:
        return getattr(self.repos, self.repository_name)  # type: ignore[no-any-return]

    def to_model(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {self.renamed.get(key, key): value for key, value in values.items()}

    # -- hooks ------------------------------------------------------------------------------------
    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        return values

    async def before_update(self, obj: ModelT, changes: dict[str, Any]) -> dict[str, Any]:
        return changes

    async def after_update(self, obj: ModelT, previous: Mapping[str, Any]) -> None:
        """Called once ``obj`` is updated, with the values the changed columns had before (for rules
        that follow a change, such as labware following its deck to another workcell)."""
        return None

    async def before_delete(self, obj: ModelT) -> None:
        return None

    # -- operations -------------------------------------------------------------------------------
    async def create(self, data: Mapping[str, Any]) -> ModelT:
        values = await self.before_create(await self.with_chosen_id(self.to_model(data)))
        return await self.repository.create(**values)

    async def with_chosen_id(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` with the id the client chose for the new row, if it chose one (else none: the
        model assigns it). A taken id is a 409 naming ``accession_id``, checked here rather than left
        to the primary key alone: a rule may already have read that row into the session (a run
        resuming the run whose id it asks for), where a second object with its key fails before any
        INSERT is sent. The key still settles a race with another transaction."""
        chosen = values.pop("accession_id", None)
        if chosen is None:
            return values
        if await self.repository.exists(accession_id=chosen):
            entity = self.repository.entity
            raise ConflictError(
                f"a {entity} with accession_id '{chosen}' already exists",
                entity=entity,
                field="accession_id",
                value=chosen,
            )
        return {"accession_id": chosen, **values}

    async def get(self, id: uuid.UUID) -> ModelT:
        return await self.repository.get(id)

    async def list(
        self, filters: Mapping[str, Any], *, order_by: str, limit: int, offset: int
    ) -> Page[ModelT]:
        field = order_by.removeprefix("-")
        if field not in self.orderable:
            raise InvalidValueError(
                f"cannot order by {field!r}; choose one of {sorted(self.orderable)}",
                field="order_by",
                value=order_by,
            )
        conditions = {
            (f"{key}__contains" if key in SUBSTRING_FILTERS else key): value
            for key, value in self.to_model(filters).items()
            if value is not None
        }
        model_order = ("-" if order_by.startswith("-") else "") + self.renamed.get(field, field)
        items = await self.repository.list(conditions, order_by=model_order, limit=limit, offset=offset)
        return Page(items=items, total=await self.repository.count(**conditions))

    async def update(
        self, id: uuid.UUID, changes: Mapping[str, Any], *, expected_version: int | None = None
    ) -> ModelT:
        obj = await self.repository.get(id)
        values = await self.before_update(obj, self.to_model(changes))
        previous = {name: getattr(obj, name) for name in values}
        updated = await self.repository.update(obj, expected_version=expected_version, **values)
        await self.after_update(updated, previous)
        return updated

    async def delete(self, id: uuid.UUID) -> None:
        obj = await self.repository.get(id)
        await self.before_delete(obj)
        await self.repository.delete(id)
