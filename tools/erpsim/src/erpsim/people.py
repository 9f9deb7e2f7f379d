"""Plausible names and e-mail addresses for the people the simulator invents."""

from __future__ import annotations

import random
import unicodedata

FIRST_NAMES = (
    "Anna", "Lukas", "Sofía", "Mateo", "Emma", "Noah", "Chloé", "Louis", "Giulia", "Marco",
    "Julia", "Jan", "Sara", "Pedro", "Lena", "Tomás", "Marta", "Piotr", "Ingrid", "Lars",
    "Eva", "Hugo", "Clara", "Felix", "Inès", "Mika", "Zoë", "Daniel", "Aoife", "Ciarán",
    "Nora", "Elias", "Maja", "Oskar", "Léa", "Rafael", "Elena", "David", "Hanna", "Jonas",
)  # fmt: skip

LAST_NAMES = (
    "Müller", "García", "Rossi", "Dubois", "Jansen", "Kowalski", "Novak", "Silva", "Andersen",
    "Schmidt", "Martínez", "Bianchi", "Lefèvre", "de Vries", "Nowak", "Horvat", "Costa",
    "Nielsen", "Fischer", "López", "Romano", "Moreau", "Bakker", "Wójcik", "Kovač", "Pereira",
    "Larsen", "Weber", "Fernández", "Greco", "Laurent", "Visser", "Lewandowski", "Dvořák",
    "Santos", "Berg", "O'Brien", "Murphy", "Keller", "Virtanen",
)  # fmt: skip

DOMAINS = ("example.com", "example.org", "example.net")


def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def email_of(first_name: str, last_name: str, tag: int, domain: str = DOMAINS[0]) -> str:
    first, last = ascii_slug(first_name) or "customer", ascii_slug(last_name) or "erp"
    return f"{first}.{last}.{tag}@{domain}"


def invent_person(rng: random.Random) -> tuple[str, str, str]:
    """First name, last name and an e-mail address at a documentation domain."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return first, last, email_of(first, last, rng.randrange(1000, 10_000), rng.choice(DOMAINS))
