"""Support's commands: get, call, save."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar
from uuid import UUID

from servicekit.eventstore import ServiceApplication
from support.domain.care import opens_proactive_case
from support.domain.case import REOPEN_WITHIN, Case, CaseStatus, CaseType, Channel, Priority
from support.domain.errors import IllegalTransition
from support.domain.notice import Notice
from support.domain.policy_book import SlaPolicyBook
from support.domain.sla import SlaPolicy, policy_for
from support.domain.teams import Routing, Team

OpenCasesOf = Callable[[list[str]], Mapping[str, int]]

#: A team records every case it assigns; loading it replays at most this many events.
TEAM_SNAPSHOT_INTERVAL = 50


def now() -> datetime:
    return datetime.now(UTC)


class Support(ServiceApplication):
    """Every command decides on the state as it stands and, when another writer saved the
    same aggregate first (a team's round-robin, a case the SLA watcher just warned), decides
    again: support has no If-Match, so a client never sees such a conflict."""

    name = "support"
    reopen_within = REOPEN_WITHIN  # set from SUPPORT_REOPEN_WITHIN_DAYS by the bootstrap
    snapshotting_intervals: ClassVar = {Team: TEAM_SNAPSHOT_INTERVAL}

    def open_case(
        self,
        case_id: UUID,
        customer_id: str | None,
        channel: Channel,
        case_type: CaseType,
        priority: Priority,
        subject: str,
        description: str,
        order_id: str | None = None,
        tier: str | None = None,
        open_cases_of: OpenCasesOf | None = None,
        at: datetime | None = None,
    ) -> Case:
        """Open a case under the SLA of its priority and the customer's tier, in the queue
        of the team serving its channel."""
        request: dict[str, Any] = {
            "customer_id": customer_id,
            "channel": channel,
            "case_type": case_type,
            "priority": priority,
            "subject": subject,
            "description": description,
            "order_id": order_id,
        }

        def attempt() -> Case:
            if case_id in self.repository:
                return self.create_once(Case, case_id, request)  # a retried command
            case = Case(id=case_id, **request)
            case.apply_sla(
                policy_for(self.policies(), case.priority.value, tier).to_dict(), at or now()
            )
            team = self.team_for(case.channel.value)
            if team is not None:
                open_cases = open_cases_of(team.agents) if open_cases_of else {}
                case.assign(team.choose_agent(open_cases), team.name)
            self.save(case, team)
            return case

        return self.retrying(attempt)

    def case(self, case_id: UUID) -> Case:
        return self.fetch(Case, case_id)

    def reply(self, case_id: UUID, author: str, body: str, by_customer: bool) -> Case:
        return self._change(
            case_id,
            lambda case: case.reply(
                author, body, now(), by_customer=by_customer, reopen_within=self.reopen_within
            ),
        )

    def add_note(self, case_id: UUID, author: str, body: str) -> Case:
        return self._change(case_id, lambda case: case.add_note(author, body, now()))

    def assign(self, case_id: UUID, agent: str, team: str | None) -> Case:
        return self._change(case_id, lambda case: case.assign(agent, team))

    def change_status(self, case_id: UUID, status: CaseStatus, reason: str | None) -> Case:
        return self._change(case_id, lambda case: case.change_status(status, now(), reason))

    def link_customer(self, case_id: UUID, customer_id: str) -> Case:
        return self._change(case_id, lambda case: case.link_customer(customer_id))

    def record_satisfaction(self, case_id: UUID, score: int, comment: str | None) -> Case:
        return self._change(case_id, lambda case: case.record_satisfaction(score, comment))

    def _change(self, case_id: UUID, change: Callable[[Case], object]) -> Case:
        """``change`` the case as it stands: an agent, the customer and the SLA watcher
        may all write it at the same moment, and each one's change is kept."""

        def attempt() -> Case:
            case = self.case(case_id)
            change(case)
            self.save(case)
            return case

        return self.retrying(attempt)

    def watch_slas(self, case_ids: list[UUID], at: datetime | None = None) -> int:
        """Warn and breach what is due; a breach escalates (priority up, to the team lead)."""
        return sum(self.retrying(partial(self._watch_sla, case_id, at)) for case_id in case_ids)

    def _watch_sla(self, case_id: UUID, at: datetime | None) -> int:
        case = self.case(case_id)
        breached = case.watch_sla(at or now())
        if breached:
            case.escalate(f"{breached[0].value} SLA breached")
            team = self.team_named(case.team) if case.team else None
            if team is not None and case.agent != team.lead:
                case.assign(team.lead, team.name)
        self.save(case)
        return len(breached)

    def care_for_delay(
        self, order_id: str, customer_id: str, new_eta: str, reason: str, tier: str | None
    ) -> tuple[Notice, Case | None]:
        """Tell the customer about a delayed shipment; for a high tier, open a case too.

        Ids derive from the order and its new date, so the same delay reported
        twice, or handled twice after a rebuild, does it once.
        """
        parameters = {"order_id": order_id, "new_eta": new_eta, "reason": reason}
        request = {
            "customer_id": customer_id,
            "purpose": "service",
            "template": "shipment_delayed",
            "parameters": parameters,
        }
        notice = self.retrying(
            partial(self.create_once, Notice, Notice.id_for("delay", order_id, new_eta), request)
        )
        if not opens_proactive_case(tier):
            return notice, None
        case_id = Notice.id_for("proactive-case", order_id, new_eta)
        if case_id in self.repository:  # opened before; agents may have worked on it since
            return notice, self.case(case_id)
        case = self.open_case(
            case_id,
            customer_id,
            Channel.EMAIL,
            CaseType.ORDER_STATUS,
            Priority.HIGH,
            f"Order {order_id} delayed to {new_eta}",
            reason,
            order_id,
            tier=tier,
        )
        return notice, case

    # configuration

    def policies(self) -> tuple[SlaPolicy, ...]:
        if SlaPolicyBook.ID not in self.repository:
            return SlaPolicyBook(id=SlaPolicyBook.ID).policies
        book: SlaPolicyBook = self.repository.get(SlaPolicyBook.ID)
        return book.policies

    def set_policies(self, policies: list[SlaPolicy]) -> tuple[SlaPolicy, ...]:
        def attempt() -> tuple[SlaPolicy, ...]:
            if SlaPolicyBook.ID in self.repository:
                book: SlaPolicyBook = self.repository.get(SlaPolicyBook.ID)
            else:
                book = SlaPolicyBook(id=SlaPolicyBook.ID)
            book.set_policies(policies)
            self.save(book)
            return book.policies

        return self.retrying(attempt)

    def configure_team(
        self, name: str, channels: list[str], agents: list[str], lead: str, strategy: str
    ) -> Team:
        """The team's channels, agents, lead and strategy; the company's routing follows.
        Every case the team assigns and every other team's configuration write the same
        aggregates as this does."""
        team_id = Team.id_for(name)

        def attempt() -> Team:
            if team_id in self.repository:
                team: Team = self.repository.get(team_id)
                team.reconfigure(channels, agents, lead, strategy)
            else:
                team = Team(
                    id=team_id,
                    name=name,
                    channels=channels,
                    agents=agents,
                    lead=lead,
                    strategy=strategy,
                )
            routing = self.routing()
            routing.route(name, channels)
            self.save(team, routing)
            return team

        return self.retrying(attempt)

    def routing(self) -> Routing:
        if Routing.ID in self.repository:
            routing: Routing = self.repository.get(Routing.ID)
            return routing
        return Routing(id=Routing.ID)

    def team_named(self, name: str) -> Team | None:
        team_id = Team.id_for(name)
        if team_id not in self.repository:
            return None
        team: Team = self.repository.get(team_id)
        return team

    def team_for(self, channel: str) -> Team | None:
        name = self.routing().teams.get(channel)
        return self.team_named(name) if name else None


__all__ = ["IllegalTransition", "Support"]
