"""Section 2: creating one deck with its whole graph, three ways.

The graph is what ``await repos.deck.create()`` makes: a workcell, a machine in it, a deck definition
with two positions, and the deck (mounted in the machine, in the machine's workcell). The variants:

* ours: ``Builders(session).deck.create()``: the builders fill in defaults and build parents through
  their own builders, and the repository saves the whole graph in one flush inside one SAVEPOINT;
* polyfactory: ``SQLAlchemyFactory`` subclasses, one per model, declaring the same graph, persisted by
  polyfactory's stock async handler (``__async_session__``: ``add``, ``commit``, ``refresh``); in the
  test session ``commit`` releases a SAVEPOINT, as it would for a test using polyfactory with our
  fixtures;
* hand-written: the helpers people write without a builder layer: ``session.add(obj)`` then
  ``await session.flush()`` for each object, parents first.

All run in ``isolated_session`` (the ``db_session`` fixture), so the test session's own set-up is
shared and not part of any figure. A breakdown row replays ours' exact statements and parameters on a
raw asyncpg connection: the server's and the driver's share, i.e. the floor for this graph. Statements are counted with ``tests.harness.queries.counting`` on
the session's connection, for one graph made after a first one (so one-off work is not counted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from polyfactory import Ignore, PostGenerated, Use
from polyfactory.factories.sqlalchemy_factory import SQLAlchemyFactory
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from bench.databases import BenchDatabases
from bench.timing import Figure, Measure, Stopwatch, Variant, interleave, per_unit
from praxis.backend.models.orm import (
    DeckDefinitionOrm,
    DeckOrm,
    DeckPositionDefinitionOrm,
    MachineOrm,
    WorkcellOrm,
)
from tests.builders import Builders, unique_name
from tests.harness.queries import QueryLog, counting
from tests.harness.session import isolated_session

MakeGraph = Callable[[AsyncSession], Awaitable[DeckOrm]]

# -- polyfactory ----------------------------------------------------------------------------------
# Written as a polyfactory user would: the fields that matter are declared (names unique, the same
# PyLabRobot classes as the builders, two positions, the deck in its machine's workcell), everything
# else is generated; columns the server fills in (timestamps, version) are left to the server.


class _Factory(SQLAlchemyFactory[Any]):
    __is_base_factory__ = True
    __set_foreign_keys__ = False  # references come from the related objects, as in the builders
    __check_model__ = False
    created_at = Ignore()
    updated_at = Ignore()


class WorkcellFactory(_Factory):
    __model__ = WorkcellOrm
    name = Use(unique_name, "pf-workcell")
    version = Ignore()


class MachineFactory(_Factory):
    __model__ = MachineOrm
    name = Use(unique_name, "pf-machine")
    fqn = "pylabrobot.liquid_handling.LiquidHandler"
    version = Ignore()
    workcell = Use(WorkcellFactory.build)


class PositionFactory(_Factory):
    __model__ = DeckPositionDefinitionOrm
    __set_relationships__ = False  # the position's deck definition is the one that lists it


class DeckDefinitionFactory(_Factory):
    __model__ = DeckDefinitionOrm
    name = Use(unique_name, "pf-deck-type")
    fqn = "pylabrobot.resources.hamilton.STARLetDeck"
    version = Ignore()
    positions = Use(lambda: [PositionFactory.build(name="rail-1"), PositionFactory.build(name="rail-2")])


class DeckFactory(_Factory):
    __model__ = DeckOrm
    name = Use(unique_name, "pf-deck")
    version = Ignore()
    deck_definition = Use(DeckDefinitionFactory.build)
    parent_machine = Use(MachineFactory.build)
    workcell = PostGenerated(lambda _name, values: values["parent_machine"].workcell)


async def polyfactory_graph(session: AsyncSession) -> DeckOrm:
    DeckFactory.__async_session__ = session
    return await DeckFactory.create_async()


# -- ours -----------------------------------------------------------------------------------------
async def builders_graph(session: AsyncSession) -> DeckOrm:
    return await Builders(session).deck.create()


# -- hand-written helpers -------------------------------------------------------------------------
async def _added(session: AsyncSession, obj: Any) -> Any:
    session.add(obj)
    await session.flush()
    return obj


async def handwritten_graph(session: AsyncSession) -> DeckOrm:
    workcell = await _added(session, WorkcellOrm(name=unique_name("hw-workcell")))
    machine = await _added(
        session,
        MachineOrm(
            name=unique_name("hw-machine"),
            fqn="pylabrobot.liquid_handling.LiquidHandler",
            workcell_id=workcell.accession_id,
        ),
    )
    definition = await _added(
        session,
        DeckDefinitionOrm(
            name=unique_name("hw-deck-type"),
            fqn="pylabrobot.resources.hamilton.STARLetDeck",
            size_x_mm=1360.0,
            size_y_mm=653.5,
            size_z_mm=900.0,
        ),
    )
    for name, x in (("rail-1", 100.0), ("rail-2", 122.5)):
        await _added(
            session,
            DeckPositionDefinitionOrm(
                deck_definition_id=definition.accession_id, name=name, x_mm=x, y_mm=63.0, z_mm=100.0
            ),
        )
    return await _added(
        session,
        DeckOrm(
            name=unique_name("hw-deck"),
            deck_definition_id=definition.accession_id,
            parent_machine_id=machine.accession_id,
            workcell_id=workcell.accession_id,
        ),
    )


FLOOR_LABEL = "breakdown: ours' 7 statements replayed on raw asyncpg"

VARIANTS: dict[str, tuple[str, MakeGraph]] = {
    "ours": ("ours: await repos.deck.create()", builders_graph),
    "polyfactory": ("polyfactory SQLAlchemyFactory.create_async()", polyfactory_graph),
    "handwritten": ("hand-written add + flush per object", handwritten_graph),
}


def _log(session: AsyncSession) -> Any:
    connection = session.bind
    assert isinstance(connection, AsyncConnection)
    return counting(connection.sync_connection)  # type: ignore[arg-type]


async def count_statements(engine: AsyncEngine, make: MakeGraph) -> QueryLog:
    """The statements of one graph, made after a first one in the same test session."""
    async with isolated_session(engine) as session:
        await make(session)
        with _log(session) as log:
            await make(session)
    return log


async def capture(engine: AsyncEngine, make: MakeGraph) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements and driver-level parameters of one graph, as SQLAlchemy hands them to asyncpg."""
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        captured.append((statement, tuple(parameters or ())))

    async with isolated_session(engine) as session:
        await make(session)
        connection = session.bind
        assert isinstance(connection, AsyncConnection)
        event.listen(connection.sync_connection, "before_cursor_execute", record)
        try:
            await make(session)
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", record)
    return captured


def _replay(raw: asyncpg.Connection, statements: list[tuple[str, tuple[Any, ...]]], batch: int) -> Measure:
    """Ours' exact statements sent by hand on a raw asyncpg connection: the floor for this graph.

    Each graph's RELEASE becomes ROLLBACK TO SAVEPOINT (still one round trip), so replaying the same
    unique names again and again never conflicts."""
    replay = [
        (statement.replace("RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", 1), parameters)
        for statement, parameters in statements
    ]

    async def measure() -> float:
        await raw.execute("BEGIN")
        try:
            with Stopwatch() as watch:
                for _ in range(batch):
                    for statement, parameters in replay:
                        if parameters:
                            await raw.fetch(statement, *parameters)
                        else:
                            await raw.execute(statement)
        finally:
            await raw.execute("ROLLBACK")
        return per_unit(watch.seconds, batch)

    return measure


def _sample(engine: AsyncEngine, make: MakeGraph, batch: int) -> Callable[[], Awaitable[float]]:
    async def measure() -> float:
        async with isolated_session(engine) as session:
            with Stopwatch() as watch:
                for _ in range(batch):
                    await make(session)
        return per_unit(watch.seconds, batch)

    return measure


async def run(databases: BenchDatabases, *, rounds: int, batch: int) -> list[Figure]:
    database = await databases.clone("graphs")
    engine = create_async_engine(database.url, pool_size=5, max_overflow=5)
    raw = await asyncpg.connect(database.dsn)
    try:
        variants = [
            Variant(key, label, _sample(engine, make, batch), batch)
            for key, (label, make) in VARIANTS.items()
        ]
        statements = await capture(engine, builders_graph)
        variants.append(Variant("floor", FLOOR_LABEL, _replay(raw, statements, batch), batch))
        measured = await interleave(variants, rounds)
        logs = {key: await count_statements(engine, make) for key, (_, make) in VARIANTS.items()}
    finally:
        await raw.close()
        await engine.dispose()

    figures = []
    ours_median = None
    for variant in variants:
        figure = Figure(variant.key, variant.label, "ms/graph", measured.samples[variant.key], batch)
        log = logs.get(variant.key)
        if log is not None:
            figure.extra = {
                "statements_per_graph": log.count,
                "statement_kinds": dict(Counter(log.kinds())),
                "statements": [_shorten(statement) for statement in log.statements],
            }
        if variant.key == "ours":
            ours_median = figure.median
        else:
            assert ours_median is not None
            figure.ratio = figure.median / ours_median
            figure.ratio_means = f"{variant.key} ms / ours ms"
            figure.paired_ratio = measured.paired_ratio(variant.key, "ours")
        figures.append(figure)
    return figures


def _shorten(statement: str) -> str:
    """The first line of a statement, up to its column list: enough to see what it is."""
    first = " ".join(statement.split())
    return first if len(first) <= 90 else first[:87] + "..."
