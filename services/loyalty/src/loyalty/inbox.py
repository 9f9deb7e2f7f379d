"""What loyalty does with the messages it consumes.

Every effect of a message (accounts opened, orders parked or earned, points
issued, reversed or expired, tiers changed, segments noted) is saved with the message's
tracking record in one transaction: a redelivered message has no second effect.
Intake is also idempotent by business key, for an ERP that sends the same
order again under a new message id: an order id is received once, a payment
or cancellation moves an order once, a return is known by its key
(``OrderReturned.return_key``: its id, or its time and lines).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, MutableOrImmutableAggregate

from contracts.cases import SatisfactionRecorded
from contracts.customers import ConsentsChanged, CustomerProfileChanged, CustomerRegistered
from contracts.erp.orders import OrderCancelled, OrderPaid, OrderPlaced, OrderReturned
from contracts.erp.products import ProductUpserted
from contracts.signals import ChurnRiskRaised, SegmentChanged
from loyalty.app import Loyalty
from loyalty.domain.account import Award, LoyaltyAccount
from loyalty.domain.catalogue import CatalogueItem, Product
from loyalty.domain.greetings import Celebrant, consents_to_greetings
from loyalty.domain.growth import History, Prompt, cross_sell, up_sell
from loyalty.domain.ledger import OrderedLine
from loyalty.domain.offers import CustomerOffers, Offer, OfferKind
from loyalty.domain.promotion_budget import Benefit, PromotionBudget, apply_promotion, give_back
from loyalty.domain.promotions import Cart, CartLine, points_by_line
from loyalty.domain.routing import Application, ErpCustomer, LoyaltyOrder
from servicekit.consumer import Delivery
from servicekit.handlers import Inbox

A = TypeVar("A", bound=Aggregate)
FollowUp = OrderPaid | OrderCancelled | OrderReturned
FOLLOW_UPS: dict[str, type[FollowUp]] = {
    kind.event_type: kind for kind in (OrderPaid, OrderCancelled, OrderReturned)
}
SENT_AT = "_sent_at"  # kept beside a parked follow-up: contracts ignore unknown fields


class LoyaltyInbox(Inbox):
    """Accounts for new customers; points for their ERP orders."""

    topics = (
        "crm.customers.v1",
        "erp.orders.v1",
        "erp.products.v1",
        "crm.cases.v1",
        "crm.analytics.signals.v1",
    )
    app: Loyalty

    def decide(
        self, delivery: Delivery, changed: dict[UUID, MutableOrImmutableAggregate[UUID]]
    ) -> Iterable[MutableOrImmutableAggregate[UUID]]:
        work = _Work(self.app, changed)
        match delivery.event:
            case CustomerRegistered() as registered:
                work.account(registered.customer_id)
                if registered.erp_customer_number:
                    self._learn(work, registered.erp_customer_number, registered.customer_id)
                if registered.birthday:
                    self._birthday(work, registered.customer_id, registered.birthday)
            case CustomerProfileChanged() as changed_profile:
                if changed_profile.erp_customer_number:
                    number = changed_profile.erp_customer_number
                    self._learn(work, number, changed_profile.customer_id)
                if changed_profile.birthday:
                    self._birthday(work, changed_profile.customer_id, changed_profile.birthday)
            case ConsentsChanged() as consents:
                celebrant = work.celebrant(consents.customer_id)
                granted = [(c.purpose, c.granted) for c in consents.consents]
                if celebrant.note_consent(consents_to_greetings(granted)):
                    work.touch(celebrant)
            case OrderPlaced() as placed:
                self._placed(work, placed)
            case OrderPaid() | OrderCancelled() | OrderReturned() as follow_up:
                self._followed_up(work, follow_up, delivery.envelope.time)
            case ProductUpserted() as product:
                self._describe(work, product)
            case SatisfactionRecorded() as scored if scored.save_offer_requested:
                if scored.customer_id:
                    self._offer(
                        work,
                        OfferKind.SAVE,
                        f"case:{scored.case_id}",
                        scored.customer_id,
                        f"we are sorry about case {scored.case_id}",
                        scored.recorded_at,
                    )
            case SegmentChanged() as placed_in:
                account = work.account(placed_in.customer_id)
                account.note_segment(placed_in.segment, placed_in.assessed_at)
            case ChurnRiskRaised() as risk:
                self._offer(
                    work,
                    OfferKind.WIN_BACK,
                    f"churn:{risk.customer_id}:{risk.assessed_at.isoformat()}",
                    risk.customer_id,
                    "we miss you",
                    risk.assessed_at,
                )
        return work.touched.values()

    def _placed(self, work: _Work, placed: OrderPlaced) -> None:
        if work.get(LoyaltyOrder, LoyaltyOrder.create_id(placed.order_id)) is not None:
            return  # the same order again, under a new message id: it earned already
        if placed.customer_id and placed.erp_customer_number:
            self._learn(work, placed.erp_customer_number, placed.customer_id)
        customer_id = placed.customer_id or self._customer_of(work, placed.erp_customer_number)
        work.touch(
            LoyaltyOrder(
                order_id=placed.order_id,
                customer_id=customer_id,
                erp_customer_number=placed.erp_customer_number,
                placement=placed.model_dump(mode="json"),
            )
        )
        if customer_id is not None:
            self._earn(work, customer_id, placed)
            return
        number = str(placed.erp_customer_number)
        waiting = work.get(ErpCustomer, ErpCustomer.create_id(number)) or ErpCustomer(
            erp_customer_number=number
        )
        waiting.park(placed.order_id)
        work.touch(waiting)

    def _offer(
        self,
        work: _Work,
        kind: OfferKind,
        prompted_by: str,
        customer_id: str,
        reason: str,
        at: datetime,
        sku: str | None = None,
        category: str | None = None,
    ) -> None:
        """An offer, once per prompt: the same signal again finds the offer made. It is
        listed among the customer's offers in the same transaction."""
        if work.get(Offer, Offer.create_id(kind.value, prompted_by)) is not None:
            return
        terms = self.app.retention
        offer = Offer.issue(
            kind,
            prompted_by,
            customer_id,
            reason,
            at,
            terms.valid_for,
            bonus_points=terms.bonus_points[kind],
            sku=sku,
            category=category,
        )
        work.touch(offer)
        offers = work.get(CustomerOffers, CustomerOffers.create_id(customer_id)) or CustomerOffers(
            customer_id=customer_id
        )
        if offers.list(offer):
            work.touch(offers)

    def _birthday(self, work: _Work, customer_id: str, birthday: date) -> None:
        celebrant = work.celebrant(customer_id)
        if celebrant.note_birthday(birthday):
            work.touch(celebrant)

    def _describe(self, work: _Work, upserted: ProductUpserted) -> None:
        """The product's own item takes the description; the item of what it is the
        premium variant of puts it first in line, and the item it no longer is a premium
        variant of forgets it."""
        product = Product(
            sku=upserted.sku,
            name=upserted.name,
            category=upserted.category,
            list_price=upserted.list_price,
            unit_cost=upserted.unit_cost,
            currency=upserted.currency,
            premium_of=upserted.premium_of,
        )
        item = work.catalogue_item(product.sku)
        before = item.product
        if not item.describe(product):
            return
        work.touch(item)
        was_premium_of = before.premium_of if before is not None else None
        if was_premium_of and was_premium_of != product.premium_of:
            base = work.catalogue_item(was_premium_of)
            if base.drop_premium_variant(product.sku):
                work.touch(base)
        if product.premium_of:
            base = work.catalogue_item(product.premium_of)
            if base.name_premium_variant(product.sku):
                work.touch(base)

    def _grow(self, work: _Work, account: LoyaltyAccount, order_id: str, at: datetime) -> None:
        """A paid order is the moment to suggest what goes with it: the companion
        category never bought, or the premium variant of what was just bought (read
        from the items of the skus bought, and of their premium variants)."""
        order = account.orders.get(order_id)
        if order is None:
            return
        history = History.of(account.orders.values())
        bought_now = [line.sku for line in order.lines if line.returned < line.quantity]
        premium = {
            sku: item.premium_variant
            for sku, item in work.catalogue_items(bought_now).items()
            if item.premium_variant is not None
        }
        categories = {
            sku: item.product.category
            for sku, item in work.catalogue_items(premium.values()).items()
            if item.product is not None
        }
        prompts: list[tuple[OfferKind, Prompt]] = [
            (OfferKind.CROSS_SELL, prompt)
            for prompt in cross_sell(account.customer_id, history, self.app.growth)
        ]
        prompts += [
            (OfferKind.UP_SELL, prompt)
            for prompt in up_sell(account.customer_id, history, bought_now, premium, categories)
        ]
        for kind, prompt in prompts:
            self._offer(
                work,
                kind,
                prompt.key,
                account.customer_id,
                prompt.reason,
                at,
                sku=prompt.sku,
                category=prompt.category,
            )

    def _followed_up(self, work: _Work, follow_up: FollowUp, sent_at: datetime) -> None:
        order = work.get(LoyaltyOrder, LoyaltyOrder.create_id(follow_up.order_id))
        if order is None:
            return  # placed before the programme began: it earned nothing to move
        if order.customer_id is None:
            data = {**follow_up.model_dump(mode="json"), SENT_AT: sent_at.isoformat()}
            order.park_follow_up(follow_up.event_type, data)
            work.touch(order)
            return
        self._follow(work, order.customer_id, follow_up, sent_at)

    def _learn(self, work: _Work, erp_customer_number: str, customer_id: str) -> None:
        """An ERP number names a customer: the orders that waited for it earn now."""
        number = work.get(ErpCustomer, ErpCustomer.create_id(erp_customer_number))
        if number is None:
            number = ErpCustomer(erp_customer_number=erp_customer_number)
        released = number.link(customer_id)
        work.touch(number)
        for order_id in released:
            order = work.get(LoyaltyOrder, LoyaltyOrder.create_id(order_id))
            if order is None or order.customer_id is not None:
                continue
            placement, follow_ups = order.resolve(customer_id)
            work.touch(order)
            self._earn(work, customer_id, OrderPlaced.model_validate(placement))
            for event_type, data in follow_ups:
                follow_up = FOLLOW_UPS[event_type].model_validate(data)
                sent_at = datetime.fromisoformat(data[SENT_AT])
                self._follow(work, customer_id, follow_up, sent_at)

    def _customer_of(self, work: _Work, erp_customer_number: str | None) -> str | None:
        if erp_customer_number is None:
            return None
        number = work.get(ErpCustomer, ErpCustomer.create_id(erp_customer_number))
        return None if number is None else number.customer_id

    def _earn(self, work: _Work, customer_id: str, placed: OrderPlaced) -> None:
        account = work.account(customer_id)
        rules = self.app.programme_rules()
        account.expire_due(placed.placed_at, rules)
        if placed.order_id in account.orders:
            return
        lines = [
            OrderedLine(line.sku, line.category, line.quantity, line.unit_price)
            for line in placed.lines
        ]
        awards, promotions = self._apply_promotions(work, account, placed, lines)
        account.record_order(
            placed.order_id, placed.placed_at, placed.currency, lines, rules, awards, promotions
        )

    def _apply_promotions(
        self, work: _Work, account: LoyaltyAccount, placed: OrderPlaced, lines: list[OrderedLine]
    ) -> tuple[list[Award], list[str]]:
        """The running promotions the order is eligible for, each charged to its budget
        and noted on the order, in the same transaction; returns the points they add
        to the lines and every promotion given."""
        rules = self.app.programme_rules()
        cart = Cart(
            customer_id=account.customer_id,
            tier=account.tier.value,
            segments=account.segments,
            channel=placed.channel,
            payment_method=placed.payment_method,
            lines=tuple(CartLine(o.sku, o.category, o.quantity, o.unit_price) for o in lines),
            at=placed.placed_at,
        )
        base = account.points_by_line(lines, rules)
        awards: list[Award] = []
        given: dict[UUID, Application] = {}
        for promotion in self.app.running_promotions():
            effect = promotion.effect_for(cart)
            if effect is None:
                continue
            by_line = points_by_line(promotion, effect, cart.lines, base)
            points = sum(by_line.values())
            points_value = rules.earning.value_of(points)
            benefit = Benefit(
                placed.order_id,
                account.customer_id,
                points,
                effect.cost + points_value,
                cart.total,
                placed.placed_at,
                discount=effect.discount,
                points_value=points_value,
                gift_sku=effect.gift_sku,
                gift_quantity=effect.gift_quantity,
            )
            budget = work.budget(promotion.id)
            application = apply_promotion(promotion, budget, account, benefit)
            if application is None:
                continue
            work.touch(budget)
            given[promotion.id] = application
            if points:
                awards.append(Award(str(promotion.id), promotion.name, by_line))
        order = work.get(LoyaltyOrder, LoyaltyOrder.create_id(placed.order_id))
        if order is not None and given:
            order.note_promotions(given, placed.placed_at)
            work.touch(order)
        return awards, [str(promotion_id) for promotion_id in given]

    def _follow(
        self, work: _Work, customer_id: str, follow_up: FollowUp, sent_at: datetime
    ) -> None:
        account = work.account(customer_id)
        rules = self.app.programme_rules()
        order_id = follow_up.order_id
        before = account.promotion_kept(order_id)
        self._move(account, follow_up, sent_at)
        if isinstance(follow_up, OrderPaid):
            self._grow(work, account, order_id, follow_up.paid_at)
            return
        after = account.promotion_kept(order_id)
        cancelled = isinstance(follow_up, OrderCancelled)
        at = (
            follow_up.returned_at
            if isinstance(follow_up, OrderReturned)
            else follow_up.cancelled_at or sent_at
        )
        order = work.get(LoyaltyOrder, LoyaltyOrder.create_id(order_id))
        if order is None:
            return
        for promotion_id in list(order.applications):
            given_back = before.get(str(promotion_id), 0) - after.get(str(promotion_id), 0)
            value = rules.earning.value_of(given_back)
            budget = work.budget(promotion_id)
            if give_back(budget, order, account, given_back, value, cancelled, at):
                work.touch(budget)
                work.touch(order)

    def _move(self, account: LoyaltyAccount, follow_up: FollowUp, sent_at: datetime) -> None:
        rules = self.app.programme_rules()
        match follow_up:
            case OrderPaid():
                account.expire_due(follow_up.paid_at, rules)
                account.pay_order(follow_up.order_id, follow_up.paid_at, rules)
            case OrderCancelled():
                at = follow_up.cancelled_at or sent_at
                account.expire_due(at, rules)
                account.cancel_order(follow_up.order_id, at, rules)
            case OrderReturned():
                account.expire_due(follow_up.returned_at, rules)
                account.return_lines(
                    follow_up.order_id,
                    follow_up.return_key,
                    [(line.sku, line.quantity) for line in follow_up.lines],
                    follow_up.returned_at,
                    rules,
                )


class _Work:
    """The aggregates one message reads and changes, on top of the batch's earlier changes."""

    def __init__(self, app: Loyalty, changed: dict[UUID, MutableOrImmutableAggregate[UUID]]):
        self.app = app
        self.changed = changed
        self.touched: dict[UUID, MutableOrImmutableAggregate[UUID]] = {}

    def get(self, kind: type[A], aggregate_id: UUID) -> A | None:
        known = self.touched.get(aggregate_id) or self.changed.get(aggregate_id)
        if known is None:
            try:
                known = self.app.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None
        return known if isinstance(known, kind) else None

    def touch(self, aggregate: MutableOrImmutableAggregate[UUID]) -> None:
        self.touched[aggregate.id] = aggregate

    def budget(self, promotion_id: UUID) -> PromotionBudget:
        """What the promotion spent; not touched until it spends."""
        known = self.get(PromotionBudget, PromotionBudget.create_id(promotion_id))
        return known or PromotionBudget(promotion_id=promotion_id)

    def celebrant(self, customer_id: str) -> Celebrant:
        """What loyalty knows to greet the customer; not touched until something changes."""
        known = self.get(Celebrant, Celebrant.create_id(customer_id))
        return known or Celebrant(customer_id=customer_id)

    def catalogue_item(self, sku: str) -> CatalogueItem:
        """The sku's item; not touched until something changes."""
        known = self.get(CatalogueItem, CatalogueItem.create_id(sku))
        return known or CatalogueItem(sku=sku)

    def catalogue_items(self, skus: Iterable[str]) -> dict[str, CatalogueItem]:
        """The items of these skus that exist, and of no other."""
        found = {sku: self.get(CatalogueItem, CatalogueItem.create_id(sku)) for sku in set(skus)}
        return {sku: item for sku, item in found.items() if item is not None}

    def account(self, customer_id: str) -> LoyaltyAccount:
        """The customer's account; an order may arrive before the registration does."""
        account = self.get(LoyaltyAccount, LoyaltyAccount.create_id(customer_id))
        if account is None:
            account = LoyaltyAccount(customer_id=customer_id)
        self.touch(account)
        return account
