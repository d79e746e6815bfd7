"""The execution's errors: one root, so a worker can tell a run's failure from its own."""

from __future__ import annotations


class ExecutionError(Exception):
    """A run could not be executed as asked; the message is what its ``status_details`` says."""


class AssetsTaken(ExecutionError):
    """Another executing run holds a machine or labware this run needs: it waits, queued."""


class AssetsMissing(ExecutionError):
    """A parameter names a machine or labware the run's workcell does not have."""

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class ProtocolCrashed(ExecutionError):
    """The child process ended without reporting how the protocol ended."""


class RunCancelled(BaseException):
    """Raised inside the child at a decorated call when the run was cancelled. A ``BaseException``,
    like ``KeyboardInterrupt``, so a protocol's ``except Exception`` does not swallow it."""
