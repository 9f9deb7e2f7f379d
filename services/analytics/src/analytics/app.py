"""Analytics' application: it writes nothing to the business but its signals."""

from servicekit.eventstore import ServiceApplication


class Analytics(ServiceApplication):
    name = "analytics"
