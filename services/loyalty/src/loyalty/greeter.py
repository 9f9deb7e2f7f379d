"""The periodic birthday run: greets whoever is due, every ``every`` seconds.

Running often is harmless (a customer is greeted once a year) and lets a
service that was down on someone's birthday catch up within the terms' days.
"""

from __future__ import annotations

from loyalty.app import Loyalty, utc_now
from servicekit import periodic


def birthday_greeter(app: Loyalty, every: float) -> periodic.Job:
    return periodic.every(
        every, lambda: app.greet_birthdays(utc_now().date()), "birthday greetings given"
    )
