"""python manage.py setup_print_demo: a few print readers around the world for the demo's print runs.

Idempotent (readers are found by username). Complimentary print grants that began 90 days ago, so the
current issue's run, taken at its closing date, includes them; one reader has not given an address yet.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from masthead.access.services import grant_access
from masthead.fulfilment.services import save_address

READERS: list[tuple[str, dict[str, str] | None]] = [
    (
        "ada.print",
        {
            "name": "Ada Lovelace",
            "line1": "1 Market St",
            "line2": "Apt 5",
            "city": "San Francisco",
            "region": "CA",
            "postcode": "94105",
            "country": "US",
        },
    ),
    (
        "grace.print",
        {
            "name": "Grace Hopper",
            "line1": "350 Fifth Avenue",
            "city": "New York",
            "region": "NY",
            "postcode": "10118",
            "country": "US",
        },
    ),
    (
        "alan.print",
        {"name": "Alan Turing", "line1": "10 Downing Street", "city": "London", "postcode": "sw1a2aa", "country": "GB"},
    ),
    (
        "emmy.print",
        {"name": "Emmy Noether", "line1": "Unter den Linden 6", "city": "Berlin", "postcode": "10117", "country": "DE"},
    ),
    (
        "marie.print",
        {"name": "Marie Curie", "line1": "11 Rue Pierre et Marie Curie", "city": "Paris", "postcode": "75005", "country": "FR"},
    ),
    ("kenji.print", {"name": "Kenji Sato", "line1": "1-1 Chiyoda", "region": "Tokyo", "postcode": "100-0001", "country": "JP"}),
    (
        "ana.print",
        {
            "name": "Ana Souza",
            "line1": "Av. Paulista 1000",
            "city": "São Paulo",
            "region": "SP",
            "postcode": "01310-100",
            "country": "BR",
        },
    ),
    (
        "noor.print",
        {
            "name": "Noor Khan",
            "line1": "1 Janpath",
            "city": "New Delhi",
            "region": "Delhi",
            "postcode": "110001",
            "country": "IN",
        },
    ),
    ("sam.print", None),  # subscribed to print, no address yet: the run counts and flags them
]


class Command(BaseCommand):
    help = "Add demo print readers with addresses in several countries (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        now = timezone.now()
        for username, address in READERS:
            user = users.filter(username=username).first()
            if user is None:
                user = users.create_user(username, f"{username}@example.com", None)
            grant_access(
                user=user,
                kind="comp",
                reference=f"demo-print:{username}",
                starts_at=now - timedelta(days=90),
                ends_at=now + timedelta(days=275),
                includes_print=True,
                note="Demo: Digital + Print",
            )
            if address is not None:
                save_address(user=user, **address)
        self.stdout.write(f"{len(READERS)} demo print readers")
