"""Deterministic identifiers: everything the simulator names derives from the seed."""

from __future__ import annotations

import hashlib
from uuid import NAMESPACE_URL, UUID, uuid5

#: Numbers the ERP gives the customers it learned from the CRM: ERP-000001 .. ERP-799999.
KNOWN_NUMBERS = range(1, 800_000)
#: Numbers of customers the CRM has never seen (walk-ins, drift extras): ERP-800000 .. ERP-999999.
UNKNOWN_NUMBERS = range(800_000, 1_000_000)

_CUSTOMER_NUMBERS = uuid5(NAMESPACE_URL, "https://erpsim.invalid/customer-numbers")


def erp_number(n: int) -> str:
    return f"ERP-{n:06d}"


class Ids:
    """The ids of one seeded simulation: same seed, same ids; another seed, other ids."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.namespace = uuid5(NAMESPACE_URL, f"https://erpsim.invalid/seed/{seed}")
        self._event_prefix = self.namespace.bytes + b"event/"

    def uuid(self, name: str) -> UUID:
        return uuid5(self.namespace, name)

    def event_id(self, name: str) -> str:
        """``str(uuid5(namespace, "event/" + name))``, without building UUIDs (hot path)."""
        digest = bytearray(
            hashlib.sha1(self._event_prefix + name.encode(), usedforsecurity=False).digest()[:16]
        )
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        h = digest.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def order_code(self, index: int) -> str:
        """Ten upper-case hex digits, shared by the order, its invoice and its shipment."""
        return self.uuid(f"order/{index}").hex[:10].upper()

    def number_hint(self, name: str, numbers: range) -> int:
        return numbers.start + self.uuid(f"number/{name}").int % len(numbers)


def customer_number_hint(customer_id: str) -> int:
    """Where the ERP tries to number a CRM customer: stable whatever the seed or the others."""
    numbers = KNOWN_NUMBERS
    return numbers.start + uuid5(_CUSTOMER_NUMBERS, customer_id).int % len(numbers)


def free_number(hint: int, numbers: range, taken: set[str]) -> str:
    """The first number from ``hint`` on (wrapping within ``numbers``) that is not taken."""
    for step in range(len(numbers)):
        candidate = erp_number(numbers.start + (hint - numbers.start + step) % len(numbers))
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    raise RuntimeError(f"every ERP customer number in {numbers} is taken")
