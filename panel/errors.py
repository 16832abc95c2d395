"""Domain errors that services raise and the web and API layers map to responses.

Alongside Django's ValidationError (400 / form errors) and PermissionDenied (403), and
cases.workflow.InvalidTransition (409)."""


class Conflict(Exception):
    """Someone else changed the record since it was read: the write was not applied."""

    def __init__(self, message: str, *, current_version: int | None = None):
        super().__init__(message)
        self.current_version = current_version
