"""Contract governance: committed JSON Schemas, the AsyncAPI document, compatibility checks.

Development tooling, not imported by the services: it needs the ``governance``
extra (``pip install -e 'contracts[governance]'``). The command line is
``python -m contracts.governance.schemas generate|check``.
"""
