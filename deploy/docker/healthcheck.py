"""Container health check: exit 0 when the service in this image answers /healthz.

Standard library only (the slim image has no curl). The port is the service's
``<SERVICE>_PORT`` variable, or its default.
"""

from __future__ import annotations

import os
import sys
import urllib.request

DEFAULT_PORTS = {"acquisition": 8001, "loyalty": 8002, "support": 8003, "analytics": 8004}


def main() -> int:
    service = os.environ.get("SERVICE", "")
    port = os.environ.get(f"{service.upper()}_PORT") or DEFAULT_PORTS.get(service, 8000)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return 0 if answer.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
