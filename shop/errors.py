"""Domain errors: raised by the domain modules, shown to the user by the views."""


class DomainError(Exception):
    """A rule refused the action; ``str(error)`` is the message for the user (translated)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)
