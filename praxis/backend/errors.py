"""The project's own exceptions: what went wrong, for which entity and field.

Repositories raise them in place of driver errors, services raise them for broken rules, and the API
turns each into one JSON shape with an HTTP status (see ``praxis.backend.api.errors``).
"""

from __future__ import annotations

from typing import Any, ClassVar


class PraxisError(Exception):
    code: ClassVar[str] = "error"

    def __init__(
        self, message: str, *, entity: str | None = None, field: str | None = None, value: Any = None
    ):
        super().__init__(message)
        self.message = message
        self.entity = entity
        self.field = field
        self.value = value


class NotFoundError(PraxisError):
    """The entity with that id does not exist."""

    code = "not_found"


class ConflictError(PraxisError):
    """The change clashes with what is stored: a duplicate, a stale version, a row still in use, a rule."""

    code = "conflict"


class ForbiddenError(PraxisError):
    """The server does not allow the operation here (a feature switched off, a path outside its roots)."""

    code = "forbidden"


class InvalidReferenceError(PraxisError):
    """A ``<thing>_id`` points at nothing."""

    code = "invalid_reference"


class InvalidValueError(PraxisError):
    """A value breaks a rule beyond what the API schema states (a parameter the protocol lacks, labware
    on itself); the API answers 409, keeping 422 for requests that do not match its schema."""

    code = "invalid_value"


class UnauthenticatedError(PraxisError):
    """No API token, or one that matches no token: the API answers 401."""

    code = "unauthenticated"


class MissingScopeError(PraxisError):
    """A valid API token without the scope the operation needs: the API answers 403."""

    code = "missing_scope"


class DatabaseNotReadyError(PraxisError):
    """The database is missing, or its schema is not the one this Praxis needs: 503."""

    code = "database_not_ready"


class UnsupportedMediaTypeError(PraxisError):
    """A write admitted without a token that is not JSON (a form post a page could send): 415."""

    code = "unsupported_media_type"


class PayloadTooLargeError(PraxisError):
    """A body larger than the server keeps (an output's file over ``max_file_bytes``): 413."""

    code = "payload_too_large"
