from __future__ import annotations

from praxis.backend.models.orm import WorkcellOrm
from praxis.backend.repositories.base import Repository


class WorkcellRepository(Repository[WorkcellOrm]):
    model = WorkcellOrm
