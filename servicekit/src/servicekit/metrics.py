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
MESSAGES_CONSUMED = Counter(
    "consumer_messages_total", "Messages applied by a consumer", ["consumer", "topic"]
)
CONSUMER_LAG = Gauge(
    "consumer_lag_messages", "Messages behind the partition end", ["consumer", "topic", "partition"]
)
HANDLER_ERRORS = Counter(
    "consumer_handler_errors_total",
    "Handler failures (retried or dead-lettered)",
    ["consumer", "topic"],
)
DEAD_LETTERS = Counter(
    "consumer_dead_letters_total", "Messages sent to a dead-letter topic", ["consumer", "topic"]
)
