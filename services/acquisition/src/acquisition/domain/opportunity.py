"""A deal in a pipeline: its stages and probabilities, amount, owner, and how it ended."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from acquisition.domain.errors import IllegalTransition, InvalidInput


class LossReason(StrEnum):
    PRICE = "price"
    COMPETITOR = "competitor"
    NO_BUDGET = "no_budget"
    NO_DECISION = "no_decision"
    TIMING = "timing"
    PRODUCT_FIT = "product_fit"
    OTHER = "other"


class Outcome(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True)
class Pipeline:
    """Ordered stages with the probability (percent) that a deal at that stage is won."""

    name: str
    stages: Mapping[str, int]

    def probability(self, stage: str) -> int:
        return self.stages[stage]

    @property
    def first_stage(self) -> str:
        return next(iter(self.stages))


def _default_pipelines() -> dict[str, Pipeline]:
    sales = Pipeline(
        "sales",
        {"qualification": 10, "needs_analysis": 25, "proposal": 50, "negotiation": 75},
    )
    return {sales.name: sales}


@dataclass(frozen=True)
class Pipelines:
    by_name: Mapping[str, Pipeline] = field(default_factory=_default_pipelines)
    default: str = "sales"

    def get(self, name: str | None) -> Pipeline:
        try:
            return self.by_name[name or self.default]
        except KeyError:
            known = ", ".join(sorted(self.by_name))
            raise InvalidInput("pipeline", f"unknown pipeline {name!r}; known: {known}") from None

    def names(self) -> Sequence[str]:
        return list(self.by_name)


class Opportunity(Aggregate):
    TOPIC = "acquisition:Opportunity"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "acquisition:Opportunity.Created"

    class Opened(Aggregate.Created):
        TOPIC = "acquisition:Opportunity.Opened"
        title: str
        customer_id: UUID | None
        lead_id: UUID | None
        pipeline: str
        stage: str
        probability: int
        amount: Decimal
        currency: str
        expected_close: date | None
        owner: str
        campaign_id: str | None

    class StageMoved(Aggregate.Event):
        TOPIC = "acquisition:Opportunity.StageMoved"
        stage: str
        probability: int
        request_id: str | None

    class Won(Aggregate.Event):
        """Carries the deal as won: the ERP raises the sales order from it alone."""

        TOPIC = "acquisition:Opportunity.Won"
        customer_id: UUID
        title: str
        amount: Decimal
        currency: str
        owner: str
        request_id: str | None

    class Lost(Aggregate.Event):
        TOPIC = "acquisition:Opportunity.Lost"
        reason: str
        note: str | None
        request_id: str | None

    @staticmethod
    def id_for_lead(lead_id: UUID) -> UUID:
        """The deal opened on converting a lead: converting again finds the same one."""
        return uuid5(NAMESPACE_URL, f"/crm/opportunities/from-lead/{lead_id}")

    @event(Opened)
    def __init__(
        self,
        id: UUID,
        title: str,
        customer_id: UUID | None,
        lead_id: UUID | None,
        pipeline: str,
        stage: str,
        probability: int,
        amount: Decimal,
        currency: str,
        expected_close: date | None,
        owner: str,
        campaign_id: str | None = None,
    ) -> None:
        self.title = title
        self.customer_id = customer_id
        self.lead_id = lead_id
        self.pipeline = pipeline
        self.stage = stage
        self.probability = probability
        self.amount = amount
        self.currency = currency
        self.expected_close = expected_close
        self.owner = owner
        self.campaign_id = campaign_id
        self.outcome = Outcome.OPEN
        self.loss_reason: str | None = None
        self.request_ids: set[str] = set()

    @classmethod
    def open(
        cls,
        id: UUID,
        pipeline: Pipeline,
        title: str,
        amount: Decimal,
        currency: str,
        owner: str,
        customer_id: UUID | None = None,
        lead_id: UUID | None = None,
        stage: str | None = None,
        expected_close: date | None = None,
        campaign_id: str | None = None,
    ) -> Opportunity:
        stage = stage or pipeline.first_stage
        if stage not in pipeline.stages:
            raise InvalidInput("stage", f"pipeline {pipeline.name} has no stage {stage!r}")
        if amount < 0:
            raise InvalidInput("amount", "an amount cannot be negative")
        return cls(
            id=id,
            title=title,
            customer_id=customer_id,
            lead_id=lead_id,
            pipeline=pipeline.name,
            stage=stage,
            probability=pipeline.probability(stage),
            amount=amount,
            currency=currency,
            expected_close=expected_close,
            owner=owner,
            campaign_id=campaign_id,
        )

    def _seen(self, request_id: str | None) -> bool:
        return request_id is not None and request_id in self.request_ids

    def _remember(self, request_id: str | None) -> None:
        if request_id is not None:
            self.request_ids.add(request_id)

    def _refuse_unless_open(self, doing: str) -> None:
        if self.outcome is not Outcome.OPEN:
            raise IllegalTransition(
                f"opportunity {self.id} is {self.outcome.value}: cannot {doing}"
            )

    def move_to(self, pipeline: Pipeline, stage: str, request_id: str | None = None) -> bool:
        if self._seen(request_id):
            return False
        self._refuse_unless_open("move it")
        if stage not in pipeline.stages:
            raise InvalidInput("stage", f"pipeline {pipeline.name} has no stage {stage!r}")
        if stage == self.stage:
            return False
        self._stage_moved(stage, pipeline.probability(stage), request_id)
        return True

    @event(StageMoved)
    def _stage_moved(self, stage: str, probability: int, request_id: str | None) -> None:
        self.stage = stage
        self.probability = probability
        self._remember(request_id)

    def win(self, request_id: str | None = None) -> bool:
        if self._seen(request_id):
            return False
        self._refuse_unless_open("win it")
        if self.customer_id is None:
            raise IllegalTransition(f"opportunity {self.id} has no customer to invoice")
        self._won(self.customer_id, self.title, self.amount, self.currency, self.owner, request_id)
        return True

    @event(Won)
    def _won(
        self,
        customer_id: UUID,
        title: str,
        amount: Decimal,
        currency: str,
        owner: str,
        request_id: str | None,
    ) -> None:
        self.outcome = Outcome.WON
        self.probability = 100
        self._remember(request_id)

    def lose(
        self, reason: LossReason, note: str | None = None, request_id: str | None = None
    ) -> bool:
        if self._seen(request_id):
            return False
        self._refuse_unless_open("lose it")
        if reason is LossReason.OTHER and not (note and note.strip()):
            raise InvalidInput("note", "a loss for another reason needs a note")
        self._lost(reason.value, note, request_id)
        return True

    @event(Lost)
    def _lost(self, reason: str, note: str | None, request_id: str | None) -> None:
        self.outcome = Outcome.LOST
        self.probability = 0
        self.loss_reason = reason
        self._remember(request_id)
