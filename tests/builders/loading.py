"""Rows read through ``repos`` come with every relationship as stored, so a test never meets
``lazy='raise'`` on what it just read.

Production loads a relationship only where a query asks for it (every relationship is
``lazy="raise"``), and the test's session reads with ``populate_existing`` (``tests.harness.session``)
so that what a request wrote is what the test reads; that also resets, on each object a read returns,
the relationships the read did not load. So a builder's read (``get``, ``list``, ...) runs the
repository's own query (the rows' columns as stored, into the objects the test holds), then
``load_graph``: one SELECT of the same rows with their parents joined, the parents' parents too, and
their children (a SELECT per collection), filling in each relationship not loaded and overwriting
nothing. Last, ``link_parents`` points any parent a read left unloaded at the parent the session holds.

The relationships are as stored; a parent is the object the session holds (the one the test built or
read), with its columns as of its own last read: read or refresh it for a request's change to it.
Each relationship is followed once per path (a self-referential one, ``previous_run``, one step), and
never straight back to the parent it came from (``link_parents`` does that without a query).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, RelationshipProperty, Session, attributes, joinedload, selectinload
from sqlalchemy.orm.strategy_options import _AbstractLoad

from praxis.backend.db.base import Entity
from tests.harness.session import KEEP_LOADED

#: ids per SELECT: each is a bind parameter, and PostgreSQL takes at most 32,767 in a statement
_IDS_PER_STATEMENT = 10_000


def graph_options(
    mapper: Mapper[Any], path: frozenset[RelationshipProperty[Any]] = frozenset(), came_by: Any = None
) -> list[_AbstractLoad]:
    """Loader options for every relationship of ``mapper``, and theirs, along each path once."""
    options: list[_AbstractLoad] = []
    for relationship in mapper.relationships:
        if relationship in path or relationship is came_by:
            continue
        loader = selectinload if relationship.uselist else joinedload
        option = loader(relationship.class_attribute)
        reverse = next((r for r in relationship._reverse_property if not r.uselist), None)
        deeper = graph_options(relationship.mapper, path | {relationship}, reverse)
        options.append(option.options(*deeper) if deeper else option)
    return options


async def load_graph(session: AsyncSession, objects: Iterable[Entity | None]) -> None:
    """Load every relationship of ``objects`` not loaded yet (see the module's docstring)."""
    by_model: dict[type[Entity], list[Any]] = {}
    for obj in objects:
        if obj is not None:
            by_model.setdefault(type(obj), []).append(obj.accession_id)
    for model, ids in by_model.items():
        options = graph_options(model.__mapper__)
        for start in range(0, len(ids), _IDS_PER_STATEMENT):
            statement = (
                select(model)
                .where(model.accession_id.in_(ids[start : start + _IDS_PER_STATEMENT]))
                .options(*options)
                .execution_options(**{KEEP_LOADED: True})
            )
            (await session.scalars(statement)).unique().all()
    link_parents(session.sync_session)


def link_parents(session: Session) -> None:
    """Point every unloaded many-to-one relationship in ``session`` at its parent, when the parent is
    in the session too (or the key is null): what a lazy load would find, without a query.

    A read with ``populate_existing`` resets the relationships it does not load on each object it
    returns (a run's calls, read as its children, lose their ``protocol_run``); their key columns were
    just read, so the parent they name is known.
    """
    for obj in list(session.identity_map.values()):
        state = inspect(obj)
        for relationship in state.mapper.relationships:
            if relationship.uselist or relationship.key in state.dict:
                continue
            keys = [
                state.mapper.get_property_by_column(local).key for local, _ in relationship.local_remote_pairs
            ]
            if any(key not in state.dict for key in keys):
                continue  # the key itself is expired: nothing to go by
            values = tuple(state.dict[key] for key in keys)
            if all(value is None for value in values):
                attributes.set_committed_value(obj, relationship.key, None)
                continue
            parent = session.identity_map.get(relationship.mapper.identity_key_from_primary_key(list(values)))
            if parent is not None:
                attributes.set_committed_value(obj, relationship.key, parent)
