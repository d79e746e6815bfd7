"""Every ORM model, imported here so ``Base.metadata`` is complete for Alembic and the repositories."""

from praxis.backend.db.base import Base
from praxis.backend.models.orm.api_token import ALL_SCOPES, ApiTokenOrm, Scope
from praxis.backend.models.orm.data_output import DataOutputOrm, DataType, OutputFileOrm
from praxis.backend.models.orm.deck import DeckDefinitionOrm, DeckOrm, DeckPositionDefinitionOrm
from praxis.backend.models.orm.machine import MachineOrm, MachineStatus
from praxis.backend.models.orm.protocol import (
    FINISHED_RUN_STATUSES,
    AssetReservationOrm,
    CallStatus,
    FunctionCallLogOrm,
    ProtocolDefinitionOrm,
    ProtocolRunOrm,
    RunControl,
    RunStatus,
    SourceKind,
)
from praxis.backend.models.orm.resource import (
    ResourceCategory,
    ResourceDefinitionOrm,
    ResourceOrm,
    ResourceStatus,
)
from praxis.backend.models.orm.run_event import RunEventKind, RunEventOrm
from praxis.backend.models.orm.workcell import WorkcellOrm, WorkcellStatus

__all__ = [
    "ALL_SCOPES",
    "FINISHED_RUN_STATUSES",
    "ApiTokenOrm",
    "AssetReservationOrm",
    "Base",
    "CallStatus",
    "DataOutputOrm",
    "DataType",
    "DeckDefinitionOrm",
    "DeckOrm",
    "DeckPositionDefinitionOrm",
    "FunctionCallLogOrm",
    "MachineOrm",
    "MachineStatus",
    "OutputFileOrm",
    "ProtocolDefinitionOrm",
    "ProtocolRunOrm",
    "ResourceCategory",
    "ResourceDefinitionOrm",
    "ResourceOrm",
    "ResourceStatus",
    "RunControl",
    "RunEventKind",
    "RunEventOrm",
    "RunStatus",
    "Scope",
    "SourceKind",
    "WorkcellOrm",
    "WorkcellStatus",
]
