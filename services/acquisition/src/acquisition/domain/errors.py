"""Why acquisition refuses a command."""


class IllegalTransition(Exception):
    """The command does not apply in the aggregate's current state."""
