"""Why acquisition refuses a command."""


class IllegalTransition(Exception):
    """The command does not apply in the aggregate's current state."""


class InvalidInput(ValueError):
    """A value the command carries breaks a business rule; ``field`` names it for the client."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
