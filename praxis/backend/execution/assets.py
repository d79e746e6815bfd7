"""A run's machines and labware: which records its parameters are bound to, and, in the child
process, the PyLabRobot objects built for them.

Binding (in the worker, over records the worker read): a parameter typed with a PyLabRobot class takes
a machine or labware of the run's workcell whose ``fqn`` names that class, a subclass, or a function
returning one (PyLabRobot's labware are factory functions such as ``cor_96_wellplate_360uL_Fb``); or
the record the run's input names by id or name. Each record is bound once per run.

Building (in the child): machines get PyLabRobot's simulation backends; labware is built from its
definition's factory; labware goes onto the run's liquid handler's deck on standard carriers (tip racks
on a tip carrier, the rest on a plate carrier), or, without a liquid handler, into the plate reader.
Only names under ``pylabrobot.`` are ever imported here: a record's ``fqn`` is data, not code to run.

No SQLAlchemy: the child process imports this module.
"""

from __future__ import annotations

import functools
import importlib
import math
import random
import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from praxis.backend.execution.errors import AssetsMissing

__all__ = ["Candidate", "bind", "build", "produced_type"]

PREFIX = "pylabrobot."
_DOTTED = re.compile(r"pylabrobot(?:\.\w+)+")
#: machines in these statuses are not bound to runs
UNAVAILABLE_MACHINE_STATUSES = frozenset({"maintenance", "offline", "error"})


@dataclass(frozen=True, slots=True)
class Candidate:
    """A machine or labware record a parameter may be bound to."""

    id: str
    kind: str  # "machine" | "resource"
    name: str
    fqn: str

    def record(self) -> dict[str, str]:
        return {"id": self.id, "kind": self.kind, "name": self.name, "fqn": self.fqn}


@functools.lru_cache(maxsize=256)
def produced_type(fqn: str) -> type | None:
    """The class ``fqn`` names, or that a function it names returns; None when it is no PyLabRobot
    name or cannot be imported."""
    match = _DOTTED.search(fqn)
    if match is None:
        return None
    module_name, _, attribute = match.group(0).rpartition(".")
    while module_name.startswith(PREFIX.rstrip(".")):
        try:
            target: Any = importlib.import_module(module_name)
        except ImportError:
            module_name, _, head = module_name.rpartition(".")
            attribute = f"{head}.{attribute}"
            continue
        for part in attribute.split("."):
            target = getattr(target, part, None)
        if isinstance(target, type):
            return target
        if callable(target):
            try:
                returned = typing.get_type_hints(target).get("return")
            except Exception:
                return None
            return returned if isinstance(returned, type) else None
        return None
    return None


def fits(candidate_fqn: str, wanted_hint: str) -> bool:
    wanted, given = produced_type(wanted_hint), produced_type(candidate_fqn)
    return wanted is not None and given is not None and issubclass(given, wanted)


def bind(
    required: Sequence[Mapping[str, Any]], inputs: Mapping[str, Any], candidates: Sequence[Candidate]
) -> dict[str, Candidate]:
    """Each asset parameter's record; ``AssetsMissing`` naming the first parameter without one.

    An optional parameter without a fitting record is left out (the function's default applies).
    """
    bound: dict[str, Candidate] = {}
    taken: set[str] = set()
    for asset in required:
        name = str(asset.get("name"))
        hint = str(asset.get("type_hint") or "")
        named = inputs.get(name)
        if named is not None:
            chosen = next((c for c in candidates if str(named) in (c.id, c.name)), None)
            if chosen is None:
                raise AssetsMissing(
                    f"parameter {name!r} names {named!r}, which the workcell does not have", name
                )
        else:
            chosen = next((c for c in candidates if c.id not in taken and fits(c.fqn, hint)), None)
            if chosen is None:
                if asset.get("optional"):
                    continue
                raise AssetsMissing(
                    f"parameter {name!r} needs a {hint.rsplit('.', 1)[-1] or 'machine or labware'} and the "
                    "run's workcell has none free to bind",
                    name,
                )
        taken.add(chosen.id)
        bound[name] = chosen
    return bound


# -- building, in the child -------------------------------------------------------------------------


def build(bound: Mapping[str, Mapping[str, Any]], simulation: bool = True) -> dict[str, Any]:
    """The PyLabRobot object for each bound parameter, laid out and ready for ``setup()``."""
    if not simulation:
        raise NotImplementedError("only simulation runs are supported: real hardware needs its backends")
    objects: dict[str, Any] = {}
    for parameter, record in bound.items():
        objects[parameter] = (_machine if record["kind"] == "machine" else _labware)(record)
    _lay_out(list(objects.values()))
    return objects


def machines(objects: Mapping[str, Any]) -> list[Any]:
    from pylabrobot.machines.machine import Machine

    return [o for o in objects.values() if isinstance(o, Machine)]


def _machine(record: Mapping[str, Any]) -> Any:
    from pylabrobot.liquid_handling import LiquidHandler
    from pylabrobot.liquid_handling.backends import LiquidHandlerChatterboxBackend
    from pylabrobot.plate_reading import PlateReader
    from pylabrobot.resources import STARLetDeck

    cls = produced_type(record["fqn"])
    if cls is not None and issubclass(cls, LiquidHandler):
        return cls(backend=LiquidHandlerChatterboxBackend(num_channels=8), deck=STARLetDeck())
    if cls is not None and issubclass(cls, PlateReader):
        return cls(name=record["name"], size_x=150, size_y=100, size_z=50, backend=SimulatedPlateReader())
    raise AssetsMissing(
        f"machine {record['name']!r} ({record['fqn']}) has no simulation in Praxis", record["name"]
    )


def _labware(record: Mapping[str, Any]) -> Any:
    match = _DOTTED.search(record["fqn"])
    module_name, _, attribute = (match.group(0) if match else "").rpartition(".")
    factory = getattr(importlib.import_module(module_name), attribute) if module_name else None
    if factory is None:
        raise AssetsMissing(
            f"labware {record['name']!r} has no PyLabRobot definition ({record['fqn']})", record["name"]
        )
    return factory(name=record["name"])


def _lay_out(objects: list[Any]) -> None:
    from pylabrobot.liquid_handling import LiquidHandler
    from pylabrobot.plate_reading import PlateReader
    from pylabrobot.resources import PLT_CAR_L5AC_A00, TIP_CAR_480_A00, HamiltonDeck, Resource, TipRack

    handler = next((o for o in objects if isinstance(o, LiquidHandler)), None)
    reader = next((o for o in objects if isinstance(o, PlateReader)), None)
    labware = [
        o for o in objects if isinstance(o, Resource) and not isinstance(o, LiquidHandler | PlateReader)
    ]
    if handler is not None:
        deck = handler.deck
        assert isinstance(deck, HamiltonDeck), "the simulated liquid handler has a STARlet deck (_machine)"
        tips = [o for o in labware if isinstance(o, TipRack)]
        others = [o for o in labware if not isinstance(o, TipRack)]
        for rails, (carrier_type, items) in enumerate(((TIP_CAR_480_A00, tips), (PLT_CAR_L5AC_A00, others))):
            for index in range(0, len(items), 5):
                carrier = carrier_type(name=f"praxis_carrier_{rails}_{index}")
                for slot, item in enumerate(items[index : index + 5]):
                    carrier[slot] = item
                deck.assign_child_resource(carrier, rails=1 + rails * 8 + index // 5 * 8)
    elif reader is not None and labware:
        reader.assign_child_resource(labware[0])


def state_of(objects: Mapping[str, Any]) -> dict[str, Any]:
    """PyLabRobot's serialised state (volumes, tips) of every root the run's objects hang from, as
    JSON (PyLabRobot writes infinities and NaN for unknown volumes: they become null)."""
    roots: dict[str, Any] = {}
    for value in objects.values():
        root = getattr(value, "deck", None) or value
        while getattr(root, "parent", None) is not None:
            root = root.parent
        if hasattr(root, "serialize_all_state"):
            roots[root.name] = _json(root.serialize_all_state())
    return roots


def _json(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


class SimulatedPlateReader:
    """A plate reader backend for simulation that reads plausible values: PyLabRobot's chatterbox
    answers 0.0 for every well, which would make every simulated read look empty. Values are seeded
    by plate and wavelength, so a read repeats exactly."""

    def __new__(cls) -> Any:
        from pylabrobot.plate_reading import PlateReaderChatterboxBackend

        class _Backend(PlateReaderChatterboxBackend):  # type: ignore[misc]
            async def read_absorbance(
                self, plate: Any, wells: list[Any], wavelength: int
            ) -> list[dict[str, Any]]:
                rng = random.Random(f"{plate.name}:{wavelength}")
                values: list[list[float | None]] = [
                    [round(0.04 + rng.random() * 1.2, 4) for _ in range(plate.num_items_x)]
                    for _ in range(plate.num_items_y)
                ]
                self.dummy_absorbance = values
                return await super().read_absorbance(plate, wells, wavelength)

        return _Backend()


def simulated(**fqns: str) -> dict[str, Any]:
    """PyLabRobot objects as a simulation run gets them, by parameter name, from their classes' (or
    labware factories') names: ``simulated(lh=LIQUID_HANDLER, plate=PLATE, tips=TIPS)``. For running
    a protocol function alone, in a test or a notebook; machines still need ``setup()`` (or
    ``async with machine:``)."""
    records = {
        name: {"id": name, "name": name, "fqn": fqn, "kind": "machine" if _is_machine(fqn) else "resource"}
        for name, fqn in fqns.items()
    }
    return build(records)


def _is_machine(fqn: str) -> bool:
    from pylabrobot.machines.machine import Machine

    cls = produced_type(fqn)
    return cls is not None and issubclass(cls, Machine)


#: the names of the PyLabRobot classes and labware the demo lab uses, for ``simulated``
LIQUID_HANDLER = "pylabrobot.liquid_handling.LiquidHandler"
PLATE_READER = "pylabrobot.plate_reading.PlateReader"
PLATE = "pylabrobot.resources.corning.plates.cor_96_wellplate_360uL_Fb"
TIP_RACK = "pylabrobot.resources.hamilton.tip_racks.hamilton_96_tiprack_1000uL"
