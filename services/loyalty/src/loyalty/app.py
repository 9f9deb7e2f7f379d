"""Loyalty's commands: get, call, save."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar, Protocol
from uuid import UUID

from eventsourcing.utils import get_topic

from loyalty.domain.account import LoyaltyAccount
from loyalty.domain.catalogue import CatalogueItem, Product, Products
from loyalty.domain.greetings import Celebrant, GreetingTerms, birthdays_due
from loyalty.domain.growth import GrowthTerms
from loyalty.domain.ledger import EarnedOrder
from loyalty.domain.margins import Margin, customer_margin, promotion_margin
from loyalty.domain.offers import CustomerOffers, Offer, OfferKind
from loyalty.domain.programme import Programme
from loyalty.domain.promotion_board import PromotionBoard
from loyalty.domain.promotion_budget import PromotionBudget
from loyalty.domain.promotions import Cart, Effect, Promotion
from loyalty.domain.reward_list import RewardList
from loyalty.domain.rewards import Redemption, Reward
from loyalty.domain.routing import Application, LoyaltyOrder
from loyalty.domain.rules import EarningRules, ProgrammeRules
from loyalty.domain.tiers import TierRules
from servicekit.eventstore import ServiceApplication
from servicekit.idempotency import ensure_same_request


@dataclass(frozen=True)
class RetentionTerms:
    """What a retention offer gives, and for how long it stands."""

    valid_for: timedelta = timedelta(days=30)
    bonus_points: Mapping[OfferKind, int] = field(
        default_factory=lambda: {
            OfferKind.SAVE: 500,
            OfferKind.WIN_BACK: 300,
            OfferKind.CROSS_SELL: 0,
            OfferKind.UP_SELL: 0,
        }
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


class ProductsOnDemand:
    """Products read sku by sku as a calculation asks for them, each sku once: a
    margin reads the products of its own orders, not the whole catalogue."""

    def __init__(self, read: Callable[[Iterable[str]], dict[str, Product]]) -> None:
        self._read = read
        self._known: dict[str, Product | None] = {}

    def get(self, sku: str, /) -> Product | None:
        if sku not in self._known:
            self._known[sku] = self._read([sku]).get(sku)
        return self._known[sku]


class Directory(Protocol):
    """Whom a housekeeping run visits: read models, which trail the event store a little."""

    def account_ids(self) -> list[UUID]: ...

    def born_on(self, month_days: Collection[str]) -> list[str]:
        """The customers whose birthday falls on one of ``month_days`` ("MM-DD")."""
        ...


class NoDirectory:
    def account_ids(self) -> list[UUID]:
        return []

    def born_on(self, month_days: Collection[str]) -> list[str]:
        return []


class Loyalty(ServiceApplication):
    name = "loyalty"
    snapshotting_intervals: ClassVar = {
        LoyaltyAccount: 20,
        PromotionBudget: 20,
        PromotionBoard: 50,
        Programme: 20,
    }
    _running: tuple[int, list[Promotion]] | None = None
    retention = RetentionTerms()
    growth = GrowthTerms()  # cross-sell pairs come from settings (see bootstrap)
    greetings = GreetingTerms()

    def __init__(self, env: dict[str, str] | None = None, directory: Directory | None = None):
        super().__init__(env)
        self.directory: Directory = directory or NoDirectory()

    # the programme

    def programme_rules(self) -> ProgrammeRules:
        """The rules in force: the defaults until someone changes them. Every order reads
        them, so they are kept in memory for as long as the programme has not changed."""
        programme: Programme | None = self.current(Programme.ID)
        return ProgrammeRules() if programme is None else programme.rules

    def change_earning_rules(self, earning: EarningRules) -> ProgrammeRules:
        programme = self._programme()
        programme.change_earning(earning)
        self.save(programme)
        return programme.rules

    def change_tier_rules(self, tiers: TierRules) -> ProgrammeRules:
        programme = self._programme()
        programme.change_tiers(tiers)
        self.save(programme)
        return programme.rules

    def _programme(self) -> Programme:
        if Programme.ID in self.repository:
            programme: Programme = self.repository.get(Programme.ID)
            return programme
        return Programme.start(ProgrammeRules())

    # accounts

    def account_of(self, customer_id: str) -> LoyaltyAccount:
        account: LoyaltyAccount = self.repository.get(LoyaltyAccount.create_id(customer_id))
        return account

    def has_account(self, customer_id: str) -> bool:
        return LoyaltyAccount.create_id(customer_id) in self.repository

    def adjust(
        self,
        customer_id: str,
        points: int,
        reason: str,
        actor: str | None,
        request_id: str | None = None,
        at: datetime | None = None,
    ) -> LoyaltyAccount:
        def attempt() -> LoyaltyAccount:
            account = self.account_of(customer_id)
            if account.adjust(
                points, reason, actor, at or utc_now(), self.programme_rules(), request_id
            ):
                self.save(account)
            return account

        return self.retrying(attempt)

    def expire_and_review(self, customer_id: str, at: datetime | None = None) -> int:
        """Expire the account's due lots and let its tier follow its purchases;
        returns the points expired."""
        return self._expire_and_review(LoyaltyAccount.create_id(customer_id), at or utc_now())

    def expire_all(
        self, at: datetime | None = None, progress: Callable[[float], None] | None = None
    ) -> int:
        """The housekeeping run: every account, as of ``at``; returns the points expired
        and tells ``progress`` the share of accounts done. The accounts are those the
        directory (a read model) knows: one opened a moment ago waits for the next run."""
        moment = at or utc_now()
        accounts = self.directory.account_ids()
        expired = 0
        for done, account_id in enumerate(accounts, start=1):
            expired += self._expire_and_review(account_id, moment)
            if progress is not None:
                progress(done / len(accounts))
        return expired

    def _expire_and_review(self, account_id: UUID, at: datetime) -> int:
        def attempt() -> int:
            account: LoyaltyAccount = self.repository.get(account_id)
            rules = self.programme_rules()
            expired = account.expire_due(at, rules)
            account.review_tier(at, rules.tiers)
            self.save(account)
            return expired

        return self.retrying(attempt)

    # rewards and redemptions

    def catalogue_reward(
        self,
        reward_id: UUID,
        name: str,
        description: str,
        points_cost: int,
        stock: int,
        valid_from: datetime | None,
        valid_until: datetime | None,
    ) -> Reward:
        """A new reward, added to the list of rewards in the same transaction."""
        request: dict[str, Any] = {
            "name": name,
            "description": description,
            "points_cost": points_cost,
            "stock": stock,
            "valid_from": valid_from,
            "valid_until": valid_until,
        }

        def attempt() -> Reward:
            if reward_id in self.repository:  # a retried request with the same Idempotency-Key
                existing: Reward = self.repository.get(reward_id)
                ensure_same_request(existing, {**request, "stock": existing.catalogued_stock})
                return existing
            reward = Reward(id=reward_id, **request)
            listed = self._reward_list()
            listed.add(reward.id)
            self.save(reward, listed)
            return reward

        return self.retrying(attempt)

    def reward(self, reward_id: UUID) -> Reward:
        return self.fetch(Reward, reward_id)

    def rewards(self, after: int | None, limit: int) -> list[tuple[int, Reward]]:
        """The catalogue in the order it was filled, each reward with its position in
        it (a cursor), read from the list of rewards (kept in memory while unchanged)."""
        listed: RewardList | None = self.current(RewardList.ID)
        if listed is None:
            return []
        return [(position, self.reward(r)) for position, r in listed.page(after, limit)]

    def _reward_list(self) -> RewardList:
        if RewardList.ID in self.repository:
            return self.fetch(RewardList, RewardList.ID)
        return RewardList()

    def restock(self, reward_id: UUID, quantity: int) -> Reward:
        def attempt() -> Reward:
            reward = self.reward(reward_id)
            reward.restock(quantity)
            self.save(reward)
            return reward

        return self.retrying(attempt)

    def redemption(self, redemption_id: UUID) -> Redemption:
        return self.fetch(Redemption, redemption_id)

    def redeem(
        self,
        redemption_id: UUID,
        customer_id: str,
        reward_id: UUID,
        quantity: int,
        actor: str | None,
        at: datetime | None = None,
    ) -> Redemption:
        """Reserve the points and the stock together, or neither.

        The account, the reward and the new redemption are saved in one
        transaction: a concurrent redemption that changed either aggregate
        makes this one fail on its version and decide again on fresh state,
        so neither a balance nor a stock can go below zero."""
        request: dict[str, Any] = {
            "customer_id": customer_id,
            "reward_id": str(reward_id),
            "quantity": quantity,
        }

        def attempt() -> Redemption:
            if redemption_id in self.repository:  # a retried request
                existing = self.redemption(redemption_id)
                ensure_same_request(existing, request)
                return existing
            moment = at or utc_now()
            rules = self.programme_rules()
            account = self.account_of(customer_id)
            reward = self.reward(reward_id)
            account.expire_due(moment, rules)
            points = reward.reserve(str(redemption_id), quantity, moment)
            account.redeem(
                str(redemption_id), points, str(reward_id), reward.name, actor, moment, rules
            )
            redemption = Redemption(
                id=redemption_id, points=points, requested_at=moment, actor=actor, **request
            )
            self.save(account, reward, redemption)
            return redemption

        return self.retrying(attempt)

    def fulfil_redemption(
        self, redemption_id: UUID, actor: str | None, at: datetime | None = None
    ) -> Redemption:
        def attempt() -> Redemption:
            redemption = self.redemption(redemption_id)
            if redemption.fulfil(at or utc_now(), actor):
                reward = self.reward(UUID(redemption.reward_id))
                reward.hand_over(str(redemption_id))
                self.save(redemption, reward)
            return redemption

        return self.retrying(attempt)

    def cancel_redemption(
        self, redemption_id: UUID, reason: str, actor: str | None, at: datetime | None = None
    ) -> Redemption:
        """Points back to the account and the units back to the stock, in one transaction."""

        def attempt() -> Redemption:
            moment = at or utc_now()
            redemption = self.redemption(redemption_id)
            if redemption.cancel(moment, reason, actor):
                reward = self.reward(UUID(redemption.reward_id))
                reward.release(str(redemption_id))
                account = self.account_of(redemption.customer_id)
                account.return_redeemed(
                    str(redemption_id), reason, actor, moment, self.programme_rules()
                )
                self.save(redemption, reward, account)
            return redemption

        return self.retrying(attempt)

    # promotions

    def draft_promotion(self, promotion_id: UUID, request: dict[str, Any]) -> Promotion:
        """A draft, posted on the board in the same transaction."""

        def attempt() -> Promotion:
            if promotion_id in self.repository:  # a retried request with the same key
                existing = self.promotion(promotion_id)
                if existing.name != request["name"] or existing.kind != request["kind"]:
                    ensure_same_request(
                        existing, {"name": request["name"], "kind": request["kind"]}
                    )
                return existing
            promotion = Promotion(id=promotion_id, **request)
            board = self._board()
            board.post(promotion)
            self.save(promotion, board)
            return promotion

        return self.retrying(attempt)

    def promotion(self, promotion_id: UUID) -> Promotion:
        return self.fetch(Promotion, promotion_id)

    def activate_promotion(self, promotion_id: UUID, actor: str | None) -> Promotion:
        return self._change_promotion(promotion_id, lambda p: p.activate(actor))

    def pause_promotion(self, promotion_id: UUID, actor: str | None) -> Promotion:
        return self._change_promotion(promotion_id, lambda p: p.pause(actor))

    def _change_promotion(
        self, promotion_id: UUID, change: Callable[[Promotion], bool]
    ) -> Promotion:
        def attempt() -> Promotion:
            promotion = self.promotion(promotion_id)
            if change(promotion):
                board = self._board()
                board.post(promotion)
                self.save(promotion, board)
            return promotion

        return self.retrying(attempt)

    def _board(self) -> PromotionBoard:
        if PromotionBoard.ID in self.repository:
            board: PromotionBoard = self.repository.get(PromotionBoard.ID)
            return board
        return PromotionBoard()

    def promotions(self) -> list[Promotion]:
        return [self.promotion(promotion_id) for promotion_id in self.promotion_ids()]

    def promotion_ids(self) -> list[UUID]:
        """Every promotion, in the order they were drafted."""
        board: PromotionBoard | None = self.current(PromotionBoard.ID)
        return [] if board is None else board.promotion_ids

    def running_promotions(self) -> list[Promotion]:
        """The active promotions in the order drafted (whether one runs at a given
        moment is its period's to say). Every order reads them, so they are kept in
        memory for as long as the board, which every change of status goes through,
        has not changed. Callers only read them."""
        board: PromotionBoard | None = self.current(PromotionBoard.ID)
        if board is None:
            return []
        known = self._running
        if known is None or known[0] != board.version:
            known = (board.version, [self.promotion(pid) for pid in board.active_ids])
            self._running = known
        return known[1]

    def promotion_budget(self, promotion_id: UUID) -> PromotionBudget:
        """What the promotion spent and brought; nothing yet before its first order."""
        budget_id = PromotionBudget.create_id(promotion_id)
        if budget_id in self.repository:
            budget: PromotionBudget = self.repository.get(budget_id)
            return budget
        return PromotionBudget(promotion_id=promotion_id)

    def evaluate_cart(self, cart: Cart) -> list[Effect]:
        """What recording an order of this cart now would give it: the running
        promotions' effects that their budgets and the customer's limits allow."""
        account = (
            self.account_of(cart.customer_id)
            if cart.customer_id is not None and self.has_account(cart.customer_id)
            else None
        )
        effects = []
        for promotion in self.running_promotions():
            effect = promotion.effect_for(cart)
            if effect is None or not self.promotion_budget(promotion.id).allows(
                promotion, effect.cost
            ):
                continue
            limit = promotion.per_customer_limit
            if (
                limit is None
                or account is None
                or account.promotion_uses(str(promotion.id)) < limit
            ):
                effects.append(effect)
        return effects

    def applications_of(self, promotion_ids: set[UUID]) -> dict[UUID, dict[str, Application]]:
        """Every order each promotion was given, by order id. A report reads them all, so it
        finds them in this service's own log, where each order noted the promotions it got."""
        found: dict[UUID, dict[str, Application]] = {pid: {} for pid in promotion_ids}
        orders: set[UUID] = set()
        start = None
        while batch := self.recorder.select_notifications(
            start=start,
            limit=1000,
            topics=[get_topic(LoyaltyOrder.PromotionsApplied)],
            inclusive_of_start=False,
        ):
            for notification in batch:
                applied = self.mapper.to_domain_event(notification)
                if isinstance(applied, LoyaltyOrder.PromotionsApplied) and any(
                    UUID(promotion_id) in found for promotion_id in applied.applications
                ):
                    orders.add(applied.originator_id)
            start = batch[-1].id
        for order_id in orders:
            order: LoyaltyOrder = self.repository.get(order_id)
            for promotion_id, application in order.applications.items():
                if promotion_id in found:
                    found[promotion_id][order.order_id] = application
        return found

    def applications_to(self, order_ids: Iterable[str]) -> list[tuple[UUID, Application]]:
        """The promotions the orders were given, and what each cost."""
        given: list[tuple[UUID, Application]] = []
        for order_id in order_ids:
            order_key = LoyaltyOrder.create_id(order_id)
            if order_key in self.repository:
                order: LoyaltyOrder = self.repository.get(order_key)
                given.extend(order.applications.items())
        return given

    # birthday greetings

    def greet_birthdays(
        self,
        on: date,
        at: datetime | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> list[str]:
        """Greet everyone whose birthday is due on ``on``; returns who was greeted.

        Only the customers the directory (a read model) knows to be born on a day
        that may be due are read; a birthday told a moment ago waits for the next run,
        which comes long before the catch-up days are over.

        The bonus goes on the ledger (reason "birthday", published on the ledger
        topic like every movement) and the greeting on the celebrant, in one
        transaction; the ledger request id names the year, so a rerun, or two
        runners at once, credit it once."""
        moment = at or utc_now()
        greeted: list[str] = []
        celebrants = self.directory.born_on(birthdays_due(on, self.greetings))
        for done, customer_id in enumerate(celebrants, start=1):
            if self._greet(customer_id, on, moment):
                greeted.append(customer_id)
            if progress is not None:
                progress(done / len(celebrants))
        return greeted

    def _greet(self, customer_id: str, on: date, at: datetime) -> bool:
        def attempt() -> bool:
            celebrant = self.celebrant(customer_id)
            if celebrant is None or not self.has_account(customer_id):
                return False
            if not celebrant.greet(on, at, self.greetings):
                return False
            account = self.account_of(celebrant.customer_id)
            request = f"birthday:{celebrant.customer_id}:{on.year}"
            rules = self.programme_rules()
            account.adjust(self.greetings.bonus_points, "birthday", "loyalty", at, rules, request)
            self.save(celebrant, account)
            return True

        return self.retrying(attempt)

    def celebrant(self, customer_id: str) -> Celebrant | None:
        celebrant_id = Celebrant.create_id(customer_id)
        if celebrant_id not in self.repository:
            return None
        celebrant: Celebrant = self.repository.get(celebrant_id)
        return celebrant

    # the product catalogue

    def catalogue_item(self, sku: str) -> CatalogueItem | None:
        """What loyalty knows of the sku, or None before the ERP described or named it."""
        item_id = CatalogueItem.create_id(sku)
        if item_id not in self.repository:
            return None
        return self.fetch(CatalogueItem, item_id)

    def products(self, skus: Iterable[str]) -> dict[str, Product]:
        """The products the ERP described among ``skus``, each read from its own item."""
        items = (self.catalogue_item(sku) for sku in set(skus))
        return {i.sku: i.product for i in items if i is not None and i.product is not None}

    # contribution margins (the calculation is in loyalty.domain.margins)

    def customer_margin(self, customer_id: str) -> Margin:
        """The customer's orders, the points they were given and the promotions' discounts
        and gifts on their orders, against what the goods cost."""
        account = self.account_of(customer_id)
        promotions = {promotion.id: promotion for promotion in self.promotions()}
        applied = [
            (promotions[promotion_id], application)
            for promotion_id, application in self.applications_to(account.orders)
        ]
        return customer_margin(
            account.orders.values(),
            account.points_cost,
            applied,
            self._products(),
            self.programme_rules().earning.currency,
        )

    def promotion_margins(self, promotions: list[Promotion]) -> list[tuple[Promotion, Margin]]:
        """Each promotion's margin on the orders it was applied to; every customer's
        account is read once, however many promotions their orders had."""
        currency = self.programme_rules().earning.currency
        products = self._products()
        applied = self.applications_of({promotion.id for promotion in promotions})
        orders: dict[str, EarnedOrder] = {}
        read: set[str] = set()
        for applications in applied.values():
            for application in applications.values():
                customer_id = application.customer_id
                if customer_id not in read and self.has_account(customer_id):
                    orders.update(self.account_of(customer_id).orders)
                read.add(customer_id)
        return [
            (
                promotion,
                promotion_margin(promotion, applied[promotion.id], orders, products, currency),
            )
            for promotion in promotions
        ]

    def _products(self) -> Products:
        """The catalogue as a calculation reads it: each product when it is asked for."""
        return ProductsOnDemand(self.products)

    # offers

    def offer(self, offer_id: UUID) -> Offer:
        return self.fetch(Offer, offer_id)

    def offers_of(self, customer_id: str) -> list[Offer]:
        """The customer's offers, oldest first, from the index of their offers (saved
        with each offer, so an offer shows as soon as it was made)."""
        index_id = CustomerOffers.create_id(customer_id)
        if index_id not in self.repository:
            return []
        offers = self.fetch(CustomerOffers, index_id)
        return [self.offer(offer_id) for offer_id in offers.offer_ids]

    def accept_offer(self, offer_id: UUID, actor: str | None, at: datetime | None = None) -> Offer:
        """Accepting credits the offer's bonus points in the same transaction, once."""

        def attempt() -> Offer:
            moment = at or utc_now()
            offer = self.offer(offer_id)
            if not offer.accept(moment, actor):
                return offer
            changed: list[Any] = [offer]
            if offer.bonus_points:
                account = self.account_of(offer.customer_id)
                reason = f"offer accepted: {offer.reason}"
                rules = self.programme_rules()
                account.adjust(
                    offer.bonus_points, reason, actor, moment, rules, f"offer:{offer.id}"
                )
                changed.append(account)
            self.save(*changed)
            return offer

        return self.retrying(attempt)

    def decline_offer(self, offer_id: UUID, actor: str | None, at: datetime | None = None) -> Offer:
        def attempt() -> Offer:
            offer = self.offer(offer_id)
            if offer.decline(at or utc_now(), actor):
                self.save(offer)
            return offer

        return self.retrying(attempt)
