from __future__ import annotations

from praxis.backend.models.orm import FunctionCallLogOrm
from praxis.backend.repositories.base import Repository


class FunctionCallLogRepository(Repository[FunctionCallLogOrm]):
    """The function calls runs log. A run appends its calls through ``ProtocolRunRepository.append_call``
    (the database numbers them); this repository reads and writes them as rows of their own."""

    model = FunctionCallLogOrm
