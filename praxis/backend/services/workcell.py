from __future__ import annotations

from praxis.backend.models.orm import WorkcellOrm
from praxis.backend.services.base import CrudService


class WorkcellService(CrudService[WorkcellOrm]):
    repository_name = "workcell"
    orderable = frozenset({"created_at", "updated_at", "name", "status"})
