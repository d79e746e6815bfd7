"""Protocol files for tests: small protocol modules, and writing files under a directory."""

from __future__ import annotations

import textwrap
from pathlib import Path

#: a protocol module with one marked protocol: ``serial_dilution`` 1.2.0, a liquid handler and a volume
SERIAL_DILUTION = """\
from praxis.backend.protocols import protocol


@protocol(name="serial_dilution", version="1.2.0", description="Two-fold dilution along a row.")
async def serial_dilution(lh: "pylabrobot.liquid_handling.LiquidHandler", volume_ul: float, steps: int = 8):
    return [volume_ul / 2**step for step in range(steps)]
"""


#: ``ticks(count)``: ``count`` calls of ``tick``, then one output; for runs of any length
TICKS = """\
from praxis.backend.protocols import current_run, protocol, protocol_function

@protocol_function
def tick(n: int) -> int:
    return n

@protocol
def ticks(count: int = 3) -> int:
    for n in range(count):
        tick(n)
    current_run().record_output("ticks", count)
    return count
"""


def write(root: Path, relative: str, source: str) -> Path:
    """Write ``source`` (dedented) to ``root/relative``, making the directories on the way."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path
