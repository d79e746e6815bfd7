"""Statuses with details, shared by machines and labware.

A status may carry ``status_details``, free text saying why ("door open", "cracked well C4"). The
rules a lab needs:

- some statuses need a reason: a machine ``offline`` or in ``error``, labware in ``error``. Without
  ``status_details`` the change is a 422 naming ``status_details``;
- a status change without new details clears the old ones: the reason for the last status would
  otherwise be read as the reason for this one;
- some statuses are final (discarded labware): moving out of one is a 409 naming ``status``.

Any other move is allowed: an operator knows best whether a plate reader went from ``error`` straight
back to ``available``.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from typing import Any

from praxis.backend.errors import ConflictError, InvalidValueError


def check_status_change(
    entity: str,
    current: enum.Enum | None,
    values: dict[str, Any],
    *,
    needs_reason: Collection[enum.Enum],
    final: Collection[enum.Enum] = (),
) -> dict[str, Any]:
    """Apply the rules to ``values`` (a create's values when ``current`` is None, else an update's
    changes); returns them, with stale details cleared."""
    if "status" not in values or values["status"] is None:
        return values
    status = values["status"]
    changing = current is None or status != current
    if current is not None and changing and current in final:
        raise ConflictError(
            f"a {entity} that is {current.value} stays so; its status cannot change to {status.value}",
            entity=entity,
            field="status",
            value=status.value,
        )
    if changing and "status_details" not in values and current is not None:
        values["status_details"] = None
    if status in needs_reason and not values.get("status_details"):
        raise InvalidValueError(
            f"a {entity} that is {status.value} needs status_details saying why",
            entity=entity,
            field="status_details",
        )
    return values
