"""Every points movement is published on the ledger topic with its monetary value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from contracts import Envelope, decode, topic_of
from contracts.ledger import PointsExpired, PointsIssued, PointsReversed
from contracts.loyalty import TierChanged
from loyalty.domain.account import LoyaltyAccount
from loyalty.domain.ledger import OrderedLine
from loyalty.domain.rules import EarningRules, ProgrammeRules
from loyalty.outbox import to_integration_event

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_issue_reversal_expiry_and_tier_change_map_to_their_contracts() -> None:
    rules = ProgrammeRules(EarningRules(point_value=Decimal("0.05"), expiry_days=30))
    account = LoyaltyAccount(customer_id="c-1")
    big = OrderedLine("A", "tv", 2, Decimal(6000))
    account.record_order("o-1", T0, "EUR", [big], rules)
    account.pay_order("o-1", T0 + timedelta(days=1), rules)
    account.return_lines("o-1", "r-1", [("A", 1)], T0 + timedelta(days=2), rules)
    account.expire_due(T0 + timedelta(days=40), rules)

    published = [to_integration_event(e) for e in account.collect_events()]
    published = [p for p in published if p is not None]

    kinds = [type(p) for p in published]
    assert kinds == [type(published[0]), TierChanged, PointsIssued, PointsReversed, PointsExpired]
    issued, reversed_, expired = published[2], published[3], published[4]
    assert isinstance(issued, PointsIssued)
    assert (issued.points, issued.monetary_value, issued.order_id) == (
        12000,
        Decimal("600.00"),
        "o-1",
    )
    assert (reversed_.points, reversed_.balance_after) == (6000, 6000)
    assert (expired.points, expired.balance_after, expired.monetary_value) == (
        6000,
        0,
        Decimal("300.00"),
    )
    for event in published:
        topic = topic_of(type(event))
        envelope = Envelope.wrap(event, source="/crm/loyalty", subject="acc")
        assert decode(topic.name, envelope.to_bytes())[1] == event
    assert topic_of(PointsIssued).name == "crm.loyalty.ledger.v1"
    assert topic_of(TierChanged).name == "crm.loyalty.accounts.v1"
