"""The faults, one function each: every experiment streams new ERP orders of newly
registered customers, breaks something on the way, and returns once every consumer
caught up and every read model matches the oracle over everything sent so far (or
the time is up).

Recovery time: from the end of the fault (the process or broker started again, the
rebuild or the resend finished) until every handler's tracking records reached the end
offsets (*caught up*), and until a comparison with the oracle found nothing amiss
(*matched*: the end of that comparison, so it includes the comparison's own time,
reported beside it).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from contracts import Envelope
from devstack.platform import SERVICES
from erpsim import ErpCustomer, Message, Params, Plan, plan, synthetic_crm_customers
from servicekit.interleavings import Published, sent_again
from tests.chaos.oracle import expected
from tests.chaos.rig import Rig
from tests.chaos.verdict import Verdict, judge


@dataclass(frozen=True)
class Size:
    """How much each experiment streams: ``bounded`` for ``make test``, ``full`` for
    ``make chaos``."""

    name: str
    customers: int
    orders: int
    rate: float  # messages per second
    settle_timeout: float = 120.0

    @property
    def stream_seconds(self) -> float:
        return self.orders * 4.5 / self.rate  # about 4.5 messages an order


BOUNDED = Size("bounded", customers=8, orders=50, rate=120)
FULL = Size("full", customers=40, orders=400, rate=250)


@dataclass(frozen=True)
class Result:
    experiment: str
    size: str
    messages: int
    caught_up_seconds: float
    matched_seconds: float
    check_seconds: float
    lost: int
    doubled: int
    wrong: int
    dead_lettered: int
    verdict: Verdict = field(compare=False, repr=False)

    def as_json(self) -> dict[str, object]:
        return {
            "experiment": self.experiment,
            "size": self.size,
            "messages": self.messages,
            "caught_up_seconds": round(self.caught_up_seconds, 2),
            "matched_seconds": round(self.matched_seconds, 2),
            "check_seconds": round(self.check_seconds, 2),
            "lost": self.lost,
            "doubled": self.doubled,
            "wrong": self.wrong,
            "dead_lettered": self.dead_lettered,
        }


@dataclass(frozen=True)
class Recovery:
    caught_up_seconds: float
    matched_seconds: float
    check_seconds: float
    verdict: Verdict


@dataclass
class World:
    """The platform and everything sent to it so far: the oracle's input."""

    rig: Rig
    size: Size
    customers: list[ErpCustomer] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)

    def new_stream(self) -> Plan:
        """Register new customers (with their ERP numbers) in acquisition, then plan
        their orders: the ERP names them by CRM id, by number or by both."""
        seed = 1000 + len(self.plans)
        registered = []
        for index, person in enumerate(synthetic_crm_customers(self.size.customers, seed=seed)):
            number = f"ERP-7{seed % 100:02d}{index:03d}"
            answer = self.rig.http.post(
                f"{self.rig.url('acquisition')}/customers",
                json={
                    "first_name": person.first_name,
                    "last_name": person.last_name,
                    "email": person.email,
                    "source": "store",
                    "erp_customer_number": number,
                },
            )
            assert answer.status_code == 201, answer.text
            registered.append(
                ErpCustomer(
                    number,
                    answer.json()["customer_id"],
                    person.first_name,
                    person.last_name,
                    person.email,
                )
            )
        the_plan = plan(
            seed,
            registered,
            orders=self.size.orders,
            params=Params(
                include_catalogue=False,
                unknown_customer_share=0.0,
                return_share=0.3,
                delay_share=0.3,
                overdue_share=0.5,
                business_share=0.3,
            ),
        )
        self.customers.extend(registered)
        self.plans.append(the_plan)
        return the_plan

    def settle(self, fault_ended: float) -> Recovery:
        """Wait until caught up and matching (or the time is up)."""
        oracle = expected(self.customers, self.plans)
        deadline = time.monotonic() + self.size.settle_timeout
        caught_up: float | None = None
        while True:
            late = self.rig.behind()
            if not late:
                caught_up = caught_up or time.monotonic() - fault_ended
                started = time.monotonic()
                verdict = judge(self.rig, oracle)
                if verdict.clean:
                    took = time.monotonic() - started
                    return Recovery(caught_up, time.monotonic() - fault_ended, took, verdict)
            else:
                verdict = Verdict(lost=[f"behind: {late}"])
            if time.monotonic() > deadline:
                waited = time.monotonic() - fault_ended
                return Recovery(caught_up or waited, waited, 0.0, verdict)
            time.sleep(0.25)


Experiment = Callable[[World], Result]


def _result(name: str, world: World, messages: int, dead_before: int, fault_ended: float) -> Result:
    recovery = world.settle(fault_ended)
    verdict = recovery.verdict
    return Result(
        name,
        world.size.name,
        messages,
        recovery.caught_up_seconds,
        recovery.matched_seconds,
        recovery.check_seconds,
        len(verdict.lost),
        len(verdict.doubled),
        len(verdict.wrong),
        world.rig.dead_lettered() - dead_before,
        verdict,
    )


def service_killed(name: str) -> Experiment:
    """SIGKILL the service a third into the stream; start it again after a while."""

    def experiment(world: World) -> Result:
        the_plan, dead = world.new_stream(), world.rig.dead_lettered()
        down_for = max(1.0, world.size.stream_seconds / 3)
        with world.rig.streaming(the_plan.messages, world.size.rate):
            time.sleep(world.size.stream_seconds / 3)
            world.rig.kill(name)
            time.sleep(down_for)
            world.rig.bring_back(name)
            fault_ended = time.monotonic()
        return _result(
            f"SIGKILL {name} mid-stream", world, len(the_plan.messages), dead, fault_ended
        )

    experiment.__name__ = f"service_killed_{name}"
    return experiment


def broker_killed(world: World) -> Result:
    """SIGKILL the broker a third into the stream; start it again on the same data."""
    the_plan, dead = world.new_stream(), world.rig.dead_lettered()
    with world.rig.streaming(the_plan.messages, world.size.rate):
        time.sleep(world.size.stream_seconds / 3)
        world.rig.kill_broker()
        time.sleep(max(2.0, world.size.stream_seconds / 3))
        world.rig.bring_back_broker()
        fault_ended = time.monotonic()
    return _result("SIGKILL broker mid-stream", world, len(the_plan.messages), dead, fault_ended)


def offsets_reset(world: World) -> Result:
    """Every consumer group's committed offsets back to 0 while the services are down
    (an operator's mistake, or a lost ``__consumer_offsets``): tracking decides."""
    the_plan, dead = world.new_stream(), world.rig.dead_lettered()
    with world.rig.streaming(the_plan.messages, world.size.rate):
        pass
    world.settle(time.monotonic())
    for name in SERVICES:
        world.rig.service(name).stop()
    for name in SERVICES:
        assert world.rig.reset_committed_offsets(name), f"{name} has no consumer group"
    for name in SERVICES:
        world.rig.bring_back(name)
    fault_ended = time.monotonic()
    return _result("committed offsets reset to 0", world, len(the_plan.messages), dead, fault_ended)


def _resend(world: World, the_plan: Plan, copy: Callable[[Message], Message], name: str) -> Result:
    """Stream the plan, then its ERP facts again with a sample of every earlier plan's."""
    dead = world.rig.dead_lettered()
    with world.rig.streaming(the_plan.messages, world.size.rate):
        pass
    rng = random.Random(len(world.plans))
    earlier = [m for p in world.plans[:-1] for m in p.messages]
    again = [copy(m) for m in [*the_plan.messages, *rng.sample(earlier, min(len(earlier), 100))]]
    with world.rig.streaming(again, world.size.rate * 2):
        pass
    fault_ended = time.monotonic()
    return _result(name, world, len(the_plan.messages) + len(again), dead, fault_ended)


def resent_byte_for_byte(world: World) -> Result:
    return _resend(world, world.new_stream(), lambda m: m, "ERP resends byte for byte")


def under_a_new_id(message: Message) -> Message:
    """The same fact under a new message id, as :func:`sent_again` builds it."""
    again = sent_again(Published(message.topic, message.key, message.value))
    envelope = Envelope.model_validate_json(again.value)
    return Message(message.topic, message.key, envelope, message.event, again.value)


def resent_under_new_ids(world: World) -> Result:
    return _resend(world, world.new_stream(), under_a_new_id, "ERP resends under new ids")


def rebuilt_in_place(name: str) -> Experiment:
    """Stop the service, ``rebuild-views`` from offset 0, start it again while the
    stream goes on."""

    def experiment(world: World) -> Result:
        the_plan, dead = world.new_stream(), world.rig.dead_lettered()
        with world.rig.streaming(the_plan.messages, world.size.rate):
            time.sleep(world.size.stream_seconds / 3)
            world.rig.service(name).stop()
            world.rig.run_cli(name, "rebuild-views")
            world.rig.bring_back(name)
            fault_ended = time.monotonic()
        return _result(
            f"{name} views rebuilt in place", world, len(the_plan.messages), dead, fault_ended
        )

    experiment.__name__ = f"rebuilt_in_place_{name}"
    return experiment


def rebuilt_beside(world: World) -> Result:
    """``python -m analytics rebuild-views --beside`` while the service runs and the
    stream goes on; it switches the live service to the new version."""
    the_plan, dead = world.new_stream(), world.rig.dead_lettered()
    with world.rig.streaming(the_plan.messages, world.size.rate):
        time.sleep(world.size.stream_seconds / 3)
        world.rig.run_cli("analytics", "rebuild-views", "--beside")
        fault_ended = time.monotonic()
    return _result(
        "analytics views rebuilt --beside", world, len(the_plan.messages), dead, fault_ended
    )


#: every experiment, in the order ``make chaos`` runs them
EVERY: list[Experiment] = [
    *(service_killed(name) for name in SERVICES),
    broker_killed,
    offsets_reset,
    resent_byte_for_byte,
    resent_under_new_ids,
    *(rebuilt_in_place(name) for name in SERVICES),
    rebuilt_beside,
]

#: the ones ``make test`` runs at the bounded size
BOUNDED_SET: list[Experiment] = [
    service_killed("loyalty"),
    broker_killed,
    offsets_reset,
    resent_byte_for_byte,
    resent_under_new_ids,
]
