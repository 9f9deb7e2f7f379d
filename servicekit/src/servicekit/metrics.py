"""Prometheus metrics every service exposes at /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter(
    "http_requests_total", "HTTP requests served", ["service", "method", "route", "status"]
)
REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"]
)
EVENTS_PUBLISHED = Counter(
    "relay_events_published_total", "Integration events acknowledged by Kafka", ["service"]
)
RELAY_LAG = Gauge("relay_lag_events", "Stored events not yet acknowledged by Kafka", ["service"])
APPLIED = Counter(
    "consumer_applied",
    "Messages a consumer's handler applied: counted once their effect (or, for a message "
    "without one, their tracking record) is committed; a write that failed and is retried "
    "counts once it commits, a message dead-lettered or applied by another replica not at all",
    ["consumer", "topic"],
)
MESSAGES_CONSUMED = Counter(
    "consumer_messages_total",
    "Deprecated: the same count as consumer_applied_total, which replaces it",
    ["consumer", "topic"],
)
CONSUMER_LAG = Gauge(
    "consumer_lag_messages",
    "Messages of an assigned partition the handler has not applied yet (fetched or not)",
    ["consumer", "topic", "partition"],
)
OLDEST_UNAPPLIED_AGE = Gauge(
    "consumer_oldest_unapplied_age_seconds",
    "Seconds since the oldest message of an assigned partition that the handler has not "
    "applied yet was written to Kafka (its record timestamp); 0 when nothing waits. For "
    "messages not fetched yet, an upper bound: the time since the newest message applied "
    "was written or the partition was last caught up, whichever is later (since it was "
    "assigned, while it knows neither). How late the consumer's effects are, whatever the "
    "message rate: alert on max by (consumer). Per partition like consumer_lag_messages: "
    "one stuck partition shows among moving ones, and each replica reports only its own",
    ["consumer", "topic", "partition"],
)
HANDLER_ERRORS = Counter(
    "consumer_handler_errors_total",
    "Handler failures (retried or dead-lettered)",
    ["consumer", "topic"],
)
DEAD_LETTERS = Counter(
    "consumer_dead_letters_total",
    "Messages the consumer group sent to the dead-letter topic, counted in that topic: "
    "the same on every replica and across restarts (aggregate replicas with max, not sum)",
    ["consumer", "topic"],
)


def raise_to(counter: Counter, total: float, **labels: str) -> None:
    """Raise a counter to a total counted elsewhere (a Kafka topic); never lower it."""
    current = 0.0
    for metric in counter.collect():
        for sample in metric.samples:
            if sample.name == f"{metric.name}_total" and sample.labels == labels:
                current = sample.value
    child = counter.labels(**labels)  # shows the series at 0 when nothing was counted
    if total > current:
        child.inc(total - current)
