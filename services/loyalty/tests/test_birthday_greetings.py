"""Birthday greetings: a bonus on the ledger once a year, only for customers who consented."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from contracts.customers import Consent, ConsentsChanged, CustomerProfileChanged
from loyalty.bootstrap import build_runtime, create_app
from loyalty.domain.account import LoyaltyAccount
from loyalty.domain.greetings import GreetingTerms, birthday_in
from loyalty.inbox import LoyaltyInbox
from loyalty.settings import LoyaltySettings
from servicekit.auth import issue_token
from servicekit.consumer import Delivery
from servicekit.settings import DEV_SIGNING_KEY

from .conftest import T0, Messages, finished

ADMIN = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'a', ['admin'])}"}
READER = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 's', ['support'])}"}
BIRTHDAY = date(1990, 6, 15)


def apply(inbox: LoyaltyInbox, *deliveries: Delivery) -> None:
    for delivery in deliveries:
        inbox.apply([delivery], Tracking(f"{delivery.topic}:0", delivery.offset))


def born(messages: Messages, customer_id: str, birthday: date = BIRTHDAY) -> Delivery:
    event = CustomerProfileChanged(customer_id=customer_id, birthday=birthday, changed_at=T0)
    return messages.deliver("crm.customers.v1", customer_id, event)


def consents(messages: Messages, customer_id: str, purpose: str, granted: bool) -> Delivery:
    consent = Consent(
        channel="email", purpose=purpose, granted=granted, source="web_form", given_at=T0
    )
    event = ConsentsChanged(customer_id=customer_id, consents=[consent], changed_at=T0)
    return messages.deliver("crm.customers.v1", customer_id, event)


def birthday_bonuses(account: LoyaltyAccount) -> list[int]:
    return [m.points for m in account.movements if m.reason == "birthday"]


def test_a_leap_day_birthday_is_celebrated_on_the_28th_in_other_years() -> None:
    assert birthday_in(2027, date(2000, 2, 29)) == date(2027, 2, 28)
    assert birthday_in(2028, date(2000, 2, 29)) == date(2028, 2, 29)


def test_a_consenting_customer_gets_the_birthday_bonus_once_a_year(
    loyalty: Any, messages: Messages
) -> None:
    app, inbox = loyalty
    apply(inbox, messages.registered("c-1"), born(messages, "c-1"))
    apply(inbox, consents(messages, "c-1", "loyalty", True))

    assert app.greet_birthdays(date(2026, 6, 14)) == []  # not yet
    assert app.greet_birthdays(date(2026, 6, 15)) == ["c-1"]
    assert app.greet_birthdays(date(2026, 6, 16)) == []  # once a year
    assert app.greet_birthdays(date(2027, 6, 17)) == ["c-1"]  # a missed day is caught up

    bonus = GreetingTerms().bonus_points
    assert birthday_bonuses(app.account_of("c-1")) == [bonus, bonus]
    assert sorted(app.celebrant("c-1").greeted) == [2026, 2027]


def test_a_customer_without_consent_is_not_greeted(loyalty: Any, messages: Messages) -> None:
    app, inbox = loyalty
    apply(inbox, messages.registered("c-1"), born(messages, "c-1"))
    apply(inbox, messages.registered("c-2"), born(messages, "c-2"))
    apply(inbox, consents(messages, "c-1", "surveys", True))
    apply(inbox, consents(messages, "c-2", "marketing", True))
    apply(inbox, consents(messages, "c-2", "marketing", False))  # withdrawn

    assert app.greet_birthdays(BIRTHDAY.replace(year=2026)) == []
    assert birthday_bonuses(app.account_of("c-1")) == []


def test_a_greeting_run_is_an_admin_route_that_greets_nobody_twice(
    tmp_path: Any, messages: Messages
) -> None:
    settings = LoyaltySettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
        birthday_bonus_points=250,
    )
    runtime = build_runtime(settings)
    inbox = runtime.handlers[0]
    assert isinstance(inbox, LoyaltyInbox)
    with TestClient(create_app(runtime)) as client:
        apply(inbox, messages.registered("c-1"), born(messages, "c-1"))
        apply(inbox, consents(messages, "c-1", "marketing", True))
        day = BIRTHDAY.replace(year=2026) + timedelta(days=1)

        refused = client.post(f"/greetings/run?on={day}", headers=READER)
        first = finished(client, client.post(f"/greetings/run?on={day}", headers=ADMIN), ADMIN)
        second = finished(client, client.post(f"/greetings/run?on={day}", headers=ADMIN), ADMIN)
        account = client.get("/accounts/c-1", headers=READER).json()

    assert refused.status_code == 403
    assert (first["kind"], first["status"]) == ("birthday-greetings", "succeeded")
    assert first["result"] == {"on": day.isoformat(), "greeted": ["c-1"]}
    assert second["result"]["greeted"] == []
    assert account["available_points"] == 250


def test_a_greeting_asks_the_messaging_system_to_wish_a_happy_birthday() -> None:
    from datetime import UTC, date, datetime

    from loyalty.domain.greetings import Celebrant, GreetingTerms
    from loyalty.outbox import to_integration_event

    celebrant = Celebrant(customer_id="c-9")
    celebrant.note_birthday(date(1990, 3, 4))
    celebrant.note_consent(True)
    celebrant.greet(date(2026, 3, 4), datetime(2026, 3, 4, 8, tzinfo=UTC), GreetingTerms())

    greeted = celebrant.collect_events()[-1]
    notice = to_integration_event(greeted)

    assert notice is not None
    assert notice.event_type == "NotificationRequested"
    assert notice.customer_id == "c-9"  # type: ignore[attr-defined]
    assert notice.template == "birthday_greeting"  # type: ignore[attr-defined]
    assert notice.parameters == {"bonus_points": "200", "year": "2026"}  # type: ignore[attr-defined]
