"""devstack: local dev/test infrastructure (Kafka from Maven jars, throwaway PostgreSQL).

Modules:

* :mod:`devstack.kafka` -- ``ensure_jars()``, ``KafkaBroker`` and ``python -m devstack.kafka``.
* :mod:`devstack.postgres` -- ``PostgresCluster`` and ``python -m devstack.postgres``.
* :mod:`devstack.ports` -- ``free_port()`` and friends.
* :mod:`devstack.pytest_plugin` -- pytest fixtures (auto-registered via the ``pytest11`` entry point).
"""

__version__ = "0.1.0"
