"""The programme's configuration, event-sourced so every change is on record."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from loyalty.domain.rules import EarningRules, ProgrammeRules
from loyalty.domain.tiers import TierRules


class Programme(Aggregate):
    """One per service: the earning rules and the tier rules in force."""

    TOPIC = "loyalty:Programme"
    ID: UUID = uuid5(NAMESPACE_URL, "/crm/loyalty/programme")

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:Programme.Created"

    class Configured(Aggregate.Created):
        TOPIC = "loyalty:Programme.Configured"
        earning: dict[str, Any]
        tiers: dict[str, Any]

    class EarningRulesChanged(Aggregate.Event):
        TOPIC = "loyalty:Programme.EarningRulesChanged"
        earning: dict[str, Any]

    class TierRulesChanged(Aggregate.Event):
        TOPIC = "loyalty:Programme.TierRulesChanged"
        tiers: dict[str, Any]

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return Programme.ID

    @event(Configured)
    def __init__(self, earning: dict[str, Any], tiers: dict[str, Any]) -> None:
        self.rules = ProgrammeRules(EarningRules.from_dict(earning), TierRules.from_dict(tiers))

    @classmethod
    def start(cls, rules: ProgrammeRules) -> Programme:
        return cls(earning=rules.earning.to_dict(), tiers=rules.tiers.to_dict())

    def change_earning(self, earning: EarningRules) -> None:
        if earning != self.rules.earning:
            self._earning_changed(earning.to_dict())

    def change_tiers(self, tiers: TierRules) -> None:
        if tiers != self.rules.tiers:
            self._tiers_changed(tiers.to_dict())

    @event(EarningRulesChanged)
    def _earning_changed(self, earning: dict[str, Any]) -> None:
        self.rules = ProgrammeRules(EarningRules.from_dict(earning), self.rules.tiers)

    @event(TierRulesChanged)
    def _tiers_changed(self, tiers: dict[str, Any]) -> None:
        self.rules = ProgrammeRules(self.rules.earning, TierRules.from_dict(tiers))
