"""Protocol sources the discovery tests write, kept as blocks so a test can hash exactly what
``inspect.getsource`` will see; and how a test reads back what a scan stored."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from praxis.backend.models.orm import ProtocolDefinitionOrm

SERIAL_DILUTION = '''\
@protocol(name="serial_dilution", version="1.2.0", description="Two-fold serial dilution along a row.")
async def serial_dilution(
    lh: "pylabrobot.liquid_handling.LiquidHandler",
    plate: "pylabrobot.resources.Plate",
    volume_ul: float = 50.0,
    steps: int = 8,
) -> list[float]:
    """Docstring that the decorator's description overrides."""
    return [volume_ul / 2**step for step in range(steps)]
'''

MIX_WELLS = '''\
@protocol()
def mix_wells(cycles: int, speed: str = "fast") -> int:
    """Mix every well of the plate.

    Used before reading, so the signal is even.
    """
    return cycles
'''

TRANSFERS = f'''\
from praxis.backend.protocols import protocol


{SERIAL_DILUTION}

{MIX_WELLS}

def volume_after(steps: int) -> float:
    """Public but unmarked: this file marks protocols, so it is only a helper."""
    return 50.0 / 2**steps
'''

READING = '''\
from praxis.backend.protocols import protocol


@protocol(version="2.0.0")
def read_absorbance(wavelength_nm: int = 450, label=None):
    """Read absorbance of the whole plate."""
    return wavelength_nm
'''


def cache_directories(root: Path) -> list[Path]:
    return list(root.rglob("__pycache__"))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Stored(NamedTuple):
    """A row's identity and change markers, copied out of the ORM object."""

    fqn: str
    version: str
    accession_id: uuid.UUID
    updated_at: datetime
    source_hash: str | None


def snapshot(definitions: list[ProtocolDefinitionOrm]) -> list[Stored]:
    """Plain values, taken before a later scan refreshes the same identity-mapped objects."""
    return sorted(Stored(d.fqn, d.version, d.accession_id, d.updated_at, d.source_hash) for d in definitions)
