"""The shape of a row of the collection table: ``CollectionSpec``, and the refusals it lists.

Every collection's routes come from one function (``crud_router``), so the contract they share is
checked once, in ``tests/api/common/``, over the table in ``collection_specs``. A row says
what differs: the path, the body of a valid create, which fields are required, unique, references or
filters, and the invalid bodies peculiar to that collection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from praxis.backend.api.routers.collections import COLLECTIONS as ROUTED
from praxis.backend.api.routers.collections import Collection
from tests.api.helpers import API
from tests.builders import Builders
from tests.builders.base import Builder


class Drop:
    """In a refusal's body: leave this field out of the request altogether (not ``null``)."""

    def __repr__(self) -> str:
        return "DROP"


DROP: Final = Drop()

BodyFactory = Callable[[Builders], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Refusal:
    """A body the API refuses naming ``field``; ``id`` names the case in the test id. A 422 when the
    body breaks the OpenAPI document; a 409 when it breaks a rule the document cannot state (``rule``)."""

    id: str
    body: dict[str, Any]
    field: str
    rule: bool = False


def fixed(body: dict[str, Any]) -> BodyFactory:
    """A body factory for a body that needs no rows: a fresh copy on every call."""

    async def make(repos: Builders) -> dict[str, Any]:
        return dict(body)

    return make


RENAME: Final = fixed({"name": "renamed"})


def applied(body: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` with ``overrides`` laid over it, fields overridden by ``DROP`` left out."""
    return {key: value for key, value in {**body, **overrides}.items() if value is not DROP}


@dataclass(frozen=True)
class CollectionSpec:
    """One CRUD collection: where it is, how to make a valid row and body, and what it refuses."""

    id: str
    #: under ``/api/v1``
    path: str
    #: a valid create body with a name of its own, making the rows it refers to
    body: BodyFactory
    #: whether rows carry a ``version`` that updates check (optimistic locking)
    versioned: bool
    #: create fields that may not be left out
    required: tuple[str, ...]
    #: a plausible field the collection does not have
    stray_field: str
    #: what a body of only the required fields gets for fields left out
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: fields whose values together identify a row: a second row with them is a 409
    unique: tuple[str, ...] = ()
    #: create fields naming another row: an id no row has is a 409 ``invalid_reference``
    references: tuple[str, ...] = ()
    #: the same for update
    movable_references: tuple[str, ...] = ()
    #: list filters taking an id
    id_filters: tuple[str, ...] = ()
    #: list filters taking one of an enum's values
    enum_filters: tuple[str, ...] = ()
    #: ``order_by`` fields besides ``name``, each with three builder values in ascending order
    orderings: Mapping[str, tuple[Any, Any, Any]] = field(default_factory=dict)
    #: builder fields of the row the update checks start from, so an update is seen to keep them
    keep: Mapping[str, Any] = field(default_factory=dict)
    #: a partial update, applied to a row made with ``keep``
    change: Mapping[str, Any] = field(default_factory=dict)
    #: what an update sent with a stale version tries to change (versioned collections)
    stale_change: BodyFactory = RENAME
    #: builder of a row that refers to this one -> the ``field`` of the 409 refusing the delete
    held_by: Mapping[str, str] = field(default_factory=dict)
    #: create bodies only this collection refuses (overrides of ``body``)
    invalid_creates: tuple[Refusal, ...] = ()
    #: update bodies only this collection refuses
    invalid_updates: tuple[Refusal, ...] = ()

    def __str__(self) -> str:
        return self.id

    @property
    def url(self) -> str:
        return f"{API}/{self.path}"

    def item(self, id: object) -> str:
        return f"{self.url}/{id}"

    def of(self, repos: Builders) -> Builder[Any]:
        """This collection's builder (and repository) on ``repos``."""
        return getattr(repos, self.builder)

    def create_refusals(self) -> list[Refusal]:
        """Every create body it refuses: each required field left out, the limits every name has, a
        field it does not have, and its own cases."""
        return [
            *(Refusal(f"missing-{name}", {name: DROP}, name) for name in self.required),
            Refusal("name-over-255", {"name": "x" * 256}, "name"),
            Refusal("unknown-field", {self.stray_field: "red"}, self.stray_field),
            *self.invalid_creates,
        ]

    def update_refusals(self) -> list[Refusal]:
        """Every update body it refuses: a null or too long name, a field it does not have, a version
        that cannot be one (or any version, where rows have none), and its own cases."""
        versions = (
            [
                Refusal("version-zero", {"version": 0}, "version"),
                Refusal("version-wrong-type", {"version": "one"}, "version"),
            ]
            if self.versioned
            else [Refusal("not-versioned", {"version": 1}, "version")]
        )
        return [
            Refusal("null-name", {"name": None}, "name"),
            Refusal("name-over-255", {"name": "x" * 256}, "name"),
            Refusal("unknown-field", {self.stray_field: "red"}, self.stray_field),
            *versions,
            *self.invalid_updates,
        ]

    @property
    def collection(self) -> Collection:
        """The API's collection at ``path``: the aggregate and table come from there, not from here."""
        return next(c for c in ROUTED if c.path == f"/{self.path}")

    @property
    def entity(self) -> str:
        """The ``entity`` its errors name: the aggregate's table."""
        return self.collection.table

    @property
    def builder(self) -> str:
        """Its builder's attribute on ``repos``: the aggregate's name."""
        return self.collection.aggregate
