from __future__ import annotations

import itertools
from typing import Any

from praxis.backend.models.orm import FunctionCallLogOrm
from tests.builders.base import Builder, Parent


class FunctionCallLogBuilder(Builder[FunctionCallLogOrm]):
    """A call logged by a run (a new one unless given), numbered after every call built before it."""

    repository_name = "function_call_log"
    parents = {"protocol_run": Parent("protocol_run", fk="protocol_run_id", relationship="protocol_run")}
    _sequence = itertools.count(1)

    def defaults(self) -> dict[str, Any]:
        return {
            "function_name": "aspirate",
            "sequence": next(self._sequence),
            "arguments": {"volume_ul": 50.0},
        }
