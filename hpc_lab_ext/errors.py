"""Domain errors. Each carries the HTTP status it maps to; handlers never invent statuses."""

from __future__ import annotations


class HPCLabError(Exception):
    """Base class: a failure with a message meant for the person using the panel."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(HPCLabError):
    status = 400


class Forbidden(HPCLabError):
    status = 403


class NotFound(HPCLabError):
    status = 404


class Conflict(HPCLabError):
    status = 409


class SchedulerUnavailable(HPCLabError):
    """The scheduler cannot be reached (controller down, command timed out)."""

    status = 503


class CommandFailed(HPCLabError):
    """A scheduler command ran and refused; its own message is kept for the user."""

    status = 409

    def __init__(self, message: str, argv: list[str] | None = None, returncode: int | None = None) -> None:
        super().__init__(message)
        self.argv = argv or []
        self.returncode = returncode


class NotInstalled(HPCLabError):
    """A feature whose optional dependencies are not installed on this server."""

    status = 501
