"""Why support refuses a command."""


class IllegalTransition(Exception):
    """The command does not apply in the case's current state (409)."""
