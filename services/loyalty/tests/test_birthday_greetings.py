"""Birthday greetings: a bonus on the ledger once a year, only for customers who consented."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.customers import Consent, ConsentsChanged, CustomerErased, CustomerProfileChanged
from loyalty.app import Loyalty
from loyalty.bootstrap import build_runtime, create_app
from loyalty.domain.account import LoyaltyAccount
from loyalty.domain.greetings import (
    Celebrant,
    GreetingTerms,
    birthday_in,
    birthdays_due,
    month_day,
)
from loyalty.inbox import LoyaltyInbox
from loyalty.settings import LoyaltySettings
from loyalty.views import metadata
from loyalty.views.projection import LoyaltyViews
from servicekit.auth import issue_token
from servicekit.consumer import Delivery, Handler
from servicekit.eventstore import store_environment
from servicekit.settings import DEV_SIGNING_KEY
from servicekit.views import ViewStore, views_url

from .conftest import T0, Messages, finished

ADMIN = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'a', ['admin'])}"}
READER = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 's', ['support'])}"}
BIRTHDAY = date(1990, 6, 15)


@pytest.fixture
def loyalty(store_settings: Any) -> Iterator[tuple[Loyalty, list[Handler]]]:
    """The service with its inbox and its read models, which tell it who is born when."""
    settings = store_settings("loyalty")
    views = LoyaltyViews(ViewStore(views_url(settings), metadata))
    app = Loyalty(store_environment(settings), directory=views)
    yield app, [LoyaltyInbox(app), views]
    app.close()
    views.store.close()


def apply(handlers: Sequence[Handler], *deliveries: Delivery) -> None:
    """Each message to every handler that consumes its topic, as their consumers would."""
    for delivery in deliveries:
        for handler in handlers:
            if delivery.topic in handler.topics:
                handler.apply([delivery], Tracking(f"{delivery.topic}:0", delivery.offset))


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


@settings(max_examples=300, deadline=None)
@given(
    birthday=st.dates(date(1930, 1, 1), date(2010, 12, 31)),
    on=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    catch_up_days=st.integers(0, 10),
)
def test_a_run_looks_up_exactly_the_birthdays_that_may_be_due(
    birthday: date, on: date, catch_up_days: int
) -> None:
    terms = GreetingTerms(catch_up_days=catch_up_days)
    celebrant = Celebrant(customer_id="c-1")
    celebrant.note_birthday(birthday)
    celebrant.note_consent(True)

    assert (month_day(birthday) in birthdays_due(on, terms)) is celebrant.due(on, terms)


def test_a_leap_day_birthday_is_looked_up_on_the_28th_only_in_years_without_a_29th() -> None:
    terms = GreetingTerms(catch_up_days=0)

    assert birthdays_due(date(2027, 2, 28), terms) == {"02-28", "02-29"}
    assert birthdays_due(date(2028, 2, 28), terms) == {"02-28"}
    assert birthdays_due(date(2028, 2, 29), terms) == {"02-29"}
    assert birthdays_due(date(2027, 1, 2), GreetingTerms(catch_up_days=3)) == {"01-01", "01-02"}


def test_the_birthdays_read_model_names_the_customers_born_on_the_days_asked(
    loyalty: Any, messages: Messages
) -> None:
    _, consumers = loyalty
    views = consumers[1]
    apply(consumers, messages.registered("c-1"), born(messages, "c-1"))  # 15 June
    apply(consumers, messages.registered("c-2"), born(messages, "c-2", date(2000, 2, 29)))
    apply(
        consumers, born(messages, "c-3", date(1980, 6, 15)), born(messages, "c-3", date(1980, 7, 1))
    )
    erased = CustomerErased(customer_id="c-4", erased_at=T0)
    apply(consumers, born(messages, "c-4"), messages.deliver("crm.customers.v1", "c-4", erased))

    assert views.born_on({"06-15"}) == ["c-1"]  # c-3 moved, c-4 was forgotten
    assert views.born_on({"02-28", "02-29"}) == ["c-2"]
    assert views.born_on({"07-01", "06-15"}) == ["c-1", "c-3"]


def test_a_consenting_customer_gets_the_birthday_bonus_once_a_year(
    loyalty: Any, messages: Messages
) -> None:
    app, consumers = loyalty
    apply(consumers, messages.registered("c-1"), born(messages, "c-1"))
    apply(consumers, consents(messages, "c-1", "loyalty", True))

    assert app.greet_birthdays(date(2026, 6, 14)) == []  # not yet
    assert app.greet_birthdays(date(2026, 6, 15)) == ["c-1"]
    assert app.greet_birthdays(date(2026, 6, 16)) == []  # once a year
    assert app.greet_birthdays(date(2027, 6, 17)) == ["c-1"]  # a missed day is caught up

    bonus = GreetingTerms().bonus_points
    assert birthday_bonuses(app.account_of("c-1")) == [bonus, bonus]
    assert sorted(app.celebrant("c-1").greeted) == [2026, 2027]


def test_a_leap_day_celebrant_is_greeted_on_the_28th_in_a_year_without_a_29th(
    loyalty: Any, messages: Messages
) -> None:
    app, consumers = loyalty
    apply(consumers, messages.registered("c-1"), born(messages, "c-1", date(2000, 2, 29)))
    apply(consumers, consents(messages, "c-1", "loyalty", True))

    assert app.greet_birthdays(date(2027, 2, 28)) == ["c-1"]
    assert app.greet_birthdays(date(2028, 2, 28)) == []  # 2028 has a 29th
    assert app.greet_birthdays(date(2028, 2, 29)) == ["c-1"]


def test_a_customer_without_consent_is_not_greeted(loyalty: Any, messages: Messages) -> None:
    app, consumers = loyalty
    apply(consumers, messages.registered("c-1"), born(messages, "c-1"))
    apply(consumers, messages.registered("c-2"), born(messages, "c-2"))
    apply(consumers, consents(messages, "c-1", "surveys", True))
    apply(consumers, consents(messages, "c-2", "marketing", True))
    apply(consumers, consents(messages, "c-2", "marketing", False))  # withdrawn

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
    with TestClient(create_app(runtime)) as client:
        apply(runtime.handlers, messages.registered("c-1"), born(messages, "c-1"))
        apply(runtime.handlers, consents(messages, "c-1", "marketing", True))
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
