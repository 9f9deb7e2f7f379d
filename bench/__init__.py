"""Throughput and latency benchmarks of the platform on this machine.

Run from the repository root::

    python -m bench                      # everything, full size (minutes)
    python -m bench --quick              # small sizes: a smoke run, not a measurement
    python -m bench --only relay,append  # some parts only

It measures, each beside a ceiling where one makes sense:

1. ``relay``: events/s from the notification log to acknowledged Kafka, against
   plain aiokafka producing the same messages with the same producer settings;
2. ``consumer``: messages/s applied by a TrackedConsumer running a Projection,
   against plain aiokafka consuming the same messages;
3. ``append``: ServiceApplication against plain eventsourcing Application saves;
4. ``latency``: HTTP command to analytics' read model, end to end, at a steady rate;
5. ``rebuild``: analytics' Customer360 rebuilt from an erpsim log (1M events), against
   plain aiokafka consuming it, then the 360 query's latency on the rebuilt views;
6. ``scale``: the real services taking in a retail year (100,000 customers signed up
   through acquisition, 1,000,000 orders, 5,000 products, 70 promotions): each
   service's intake rate by tenth of the stream, loyalty's orders/s against the
   plain save rate, analytics' assessment of every customer (seconds, peak memory)
   and the read models' rebuilds (see :mod:`bench.scale`; hours at full size).

It starts what it needs (a Kafka broker, a throwaway PostgreSQL, the services)
unless ``KAFKA_BOOTSTRAP_SERVERS`` / ``POSTGRES_DSN`` name existing ones (the scale
part always starts brokers of its own: its topics must hold its messages only), stops
everything at the end, prints a table and writes ``var/bench/results.json``.
"""
