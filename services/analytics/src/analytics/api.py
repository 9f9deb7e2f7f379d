"""Analytics' HTTP routes."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from functools import cache, partial
from typing import Annotated, Any, Literal
from uuid import UUID

import anyio
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from analytics import documents
from analytics.assessor import Assessor
from analytics.domain.kpis import Period
from analytics.domain.runs import AssessmentInTheFuture
from analytics.views.assessments import Assessments
from analytics.views.customer360 import Customer360
from analytics.views.kpis import Kpis
from servicekit import jobs
from servicekit.attachments import attachment
from servicekit.auth import Principal, require
from servicekit.bounds import Moment
from servicekit.jobs import Job
from servicekit.problems import Problem
from servicekit.service import handler

routes = APIRouter()

Readers = Annotated[Principal, Depends(require("analyst", "sales", "marketing", "support"))]
Admins = Annotated[Principal, Depends(require("admin"))]


async def assessor(request: Request) -> Assessor:
    found: Assessor = request.app.state.assessor
    return found


View = Annotated[Customer360, Depends(handler(Customer360))]
Assessing = Annotated[Assessor, Depends(assessor)]


AsOf = Annotated[
    Moment | None,
    Query(description="Answer as things stood at this time (ISO 8601 with a zone)"),
]


def _survivor(request: Request, view: Customer360, customer_id: str) -> RedirectResponse | None:
    """A customer merged into another has moved for good: to the survivor's same page."""
    survivor = view.merged_into(customer_id)
    if survivor is None:
        return None
    moved = request.url.path.replace(f"/customers/{customer_id}/", f"/customers/{survivor}/", 1)
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(moved + query, status_code=301)


#: threads answering 360s at once. Each query releases the GIL in SQLite and takes it back;
#: with FastAPI's forty pool threads all runnable under load they spent more CPU passing
#: the GIL around than answering, and the service fell behind for good. On a store of 1M
#: events at 100 queries/s: 15.6 ms of CPU a 360 and p50 4.1 s with the forty threads;
#: 7.2 ms and p50 7 ms, p99 25-69 ms with two. Requests beyond them wait on the event loop.
QUERY_THREADS = 2


@cache
def _query_threads() -> anyio.CapacityLimiter:
    return anyio.CapacityLimiter(QUERY_THREADS)


@routes.get(
    "/customers/{customer_id}/360",
    tags=["customers"],
    response_model=None,
    responses={
        200: {"model": documents.Customer360},
        301: {"description": "The customer was merged into another: the survivor's 360"},
        404: {"description": "Analytics knows no such customer (yet, or at as_of)"},
    },
)
async def get_customer_360(
    request: Request,
    customer_id: str,
    view: View,
    assessing: Assessing,
    _: Readers,
    wait_ms: Annotated[
        int, Query(ge=0, le=10_000, description="Wait up to this long for the customer to appear")
    ] = 0,
    as_of: AsOf = None,
) -> Response:
    """Everything known of the customer; a customer merged into another redirects (301)
    to the survivor's 360.

    A request that may wait for the customer to appear holds a thread of FastAPI's pool
    while it waits; the others run on the few query threads."""
    answer = partial(_customer_360, request, view, assessing, customer_id, wait_ms, as_of)
    limiter = None if wait_ms else _query_threads()
    return await anyio.to_thread.run_sync(answer, limiter=limiter)


def _customer_360(
    request: Request,
    view: Customer360,
    assessing: Assessor,
    customer_id: str,
    wait_ms: int,
    as_of: datetime | None,
) -> Response:
    """The answer goes through its response model here, in the worker thread (pydantic-core
    validates and serialises it): FastAPI's ``jsonable_encoder`` walked the document on the
    event loop, the largest single cost of a 360 there. Amounts are strings, as elsewhere."""
    if as_of is not None:
        then = view.view_as_of(customer_id, as_of)
        if then is None:
            if (moved := _survivor(request, view, customer_id)) is not None:
                return moved
            raise Problem(404, "Not found", f"Analytics knew no customer {customer_id} at {as_of}.")
        return _json({**then, "as_of": as_of})
    found = view.wait_for(customer_id, lambda: view.view(customer_id), wait_ms / 1000)
    if found is None:
        if (moved := _survivor(request, view, customer_id)) is not None:
            return moved  # its history, orders and cases moved to the survivor
        raise Problem(404, "Not found", f"Analytics knows no customer {customer_id} (yet).")
    found["assessment"] = assessing.assessments.of(customer_id)
    return _json(found)


def _json(view: dict[str, Any]) -> Response:
    return Response(documents.Customer360.json_of(view), media_type="application/json")


@routes.get(
    "/customers/{customer_id}/timeline",
    tags=["customers"],
    response_model=documents.Timeline,
    responses={301: {"description": "The customer was merged into another: its timeline"}},
)
def get_customer_timeline(
    request: Request,
    customer_id: str,
    view: View,
    _: Readers,
    as_of: AsOf = None,
    after: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{1,18}$", description="Cursor: `next` of the previous page"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Any:
    """Every event about the customer, newest first, as known at ``as_of`` (default: now);
    a merged customer's history is the survivor's (301)."""
    if (moved := _survivor(request, view, customer_id)) is not None:
        return moved
    page = view.history(customer_id, until=as_of, after=after, limit=limit)
    return {"customer_id": customer_id, "items": page.items, "next": page.next}


@routes.get("/kpis", tags=["kpis"], response_model=documents.KeyFigures)
def key_figures(
    request: Request,
    _: Readers,
    start: Annotated[
        Moment | None,
        Query(alias="from", description="Period start, inclusive (default: the beginning)"),
    ] = None,
    end: Annotated[
        Moment | None, Query(alias="to", description="Period end, exclusive (default: now)")
    ] = None,
) -> dict[str, Any]:
    """Leads and cost per acquired customer by campaign, pipeline, orders, retention by
    cohort, points liability and service figures, over the period [from, to)."""
    end = end or datetime.now(UTC)
    if start is not None and start >= end:
        raise Problem(422, "Invalid period", "from must be before to")
    figures: Kpis = request.app.state.kpis
    return figures.report(Period(start, end))


@routes.get("/erp/unresolved-orders", tags=["erp"], response_model=list[documents.UnresolvedOrder])
def unresolved_orders(view: View, _: Readers) -> list[dict[str, Any]]:
    """ERP messages kept aside until the customer they name is known to the CRM."""
    return view.unresolved_orders()


@routes.get("/segments", tags=["segments"], response_model=list[documents.Segment])
def segments(assessing: Assessing, _: Readers) -> list[dict[str, Any]]:
    """How many customers each RFM segment holds after the latest assessment."""
    return assessing.assessments.segments()


MEMBER_COLUMNS = (
    "customer_id",
    "segment",
    "rfm_score",
    "probability_alive",
    "churn_risk",
    "expected_purchases",
    "lifetime_value",
    "assessed_at",
)


@routes.get(
    "/segments/{segment}/members",
    tags=["segments"],
    response_model=documents.Members,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def segment_members(
    segment: Annotated[str, Path(min_length=1, max_length=40)],
    request: Request,
    assessing: Assessing,
    _: Readers,
    after: Annotated[
        str | None, Query(max_length=64, description="Cursor: the last customer id seen")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
) -> Any:
    """The segment's customers, paged by cursor; as CSV (all of them) for campaign tools."""
    wants_csv = format == "csv" or (
        format is None and "text/csv" in request.headers.get("accept", "")
    )
    members: Assessments = assessing.assessments
    if wants_csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=MEMBER_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in members.members(segment):
            writer.writerow({**row, "assessed_at": row["assessed_at"].isoformat()})
        return Response(
            buffer.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": attachment(f"{segment}.csv")},
        )
    page = members.members(segment, after=after, limit=limit)
    return {
        "segment": segment,
        "items": page,
        "next": page[-1]["customer_id"] if len(page) == limit else None,
    }


class BgNbdOut(BaseModel):
    r: float
    alpha: float
    a: float
    b: float


class GammaGammaOut(BaseModel):
    p: float
    q: float
    gamma: float


class ModelFitOut(BaseModel):
    fitted: bool = Field(
        description="Estimated on the shop's customers; false: the published CDNOW "
        "estimates, used while too few customers bought again"
    )
    log_likelihood: float = Field(description="Of the customers' data under the parameters")
    customers: int = Field(description="Customers the estimate rests on")
    converged: bool | None = Field(description="Whether the search converged; null: not fitted")


class PurchaseModelOut(ModelFitOut):
    """BG/NBD (Fader, Hardie & Lee 2005): how often customers buy, and drop out."""

    parameters: BgNbdOut


class SpendModelOut(ModelFitOut):
    """Gamma-Gamma (Fader & Hardie 2013): spend per purchase occasion."""

    parameters: GammaGammaOut


class ModelsOut(BaseModel):
    purchases: PurchaseModelOut
    spend: SpendModelOut


class SegmentSizeOut(BaseModel):
    segment: str
    customers: int
    lifetime_value: float


class AssessmentRunOut(BaseModel):
    id: UUID
    scenario: bool = Field(
        description="As of an earlier moment: kept beside the current results, which it "
        "neither replaces nor publishes signals for"
    )
    as_of: datetime
    started_at: datetime
    finished_at: datetime
    customers: int = Field(description="Customers assessed (every one with an order by as_of)")
    models: ModelsOut | None = Field(description="null when nobody had bought by as_of")
    segments: list[SegmentSizeOut]
    signals: int | None = Field(description="Signals recorded; null for a scenario")


class CustomerAssessmentOut(BaseModel):
    segment: str
    rfm_score: str
    probability_alive: float
    churn_risk: float
    expected_purchases: float
    lifetime_value: float
    assessed_at: datetime


@routes.post("/assessments/run", tags=["assessments"], status_code=202)
def run_assessment(
    request: Request,
    response: Response,
    assessing: Assessing,
    principal: Admins,
    as_of: Annotated[
        Moment | None,
        Query(
            description="Assess as of this time (default: now). An earlier time makes a "
            "scenario: kept beside the current results, replacing nothing, publishing nothing"
        ),
    ] = None,
) -> Job:
    """Assess every customer (the background job does it every assessment_seconds).

    Answers 202 with a job to follow at its Location; its result names the assessment,
    to read at /assessments/{assessment_id}."""
    try:
        assessing.is_scenario(as_of)
    except AssessmentInTheFuture as refusal:
        raise Problem(422, "Invalid as_of", str(refusal)) from None
    work = partial(_assess, assessing, as_of)
    return jobs.start(request, response, "assessment", work, principal)


def _assess(assessing: Assessor, as_of: datetime | None, progress: jobs.Progress) -> object:
    return assessing.run(as_of, progress)


@routes.get("/assessments/latest", tags=["assessments"])
def latest_assessment(assessing: Assessing, _: Readers) -> AssessmentRunOut:
    """The last current assessment: the one the 360 and the segments show, with the
    models it fitted."""
    found = assessing.assessments.latest()
    if found is None:
        raise Problem(404, "Not found", "No assessment has run yet.")
    return AssessmentRunOut.model_validate(found)


@routes.get("/assessments/{assessment_id}", tags=["assessments"])
def get_assessment(assessment_id: UUID, assessing: Assessing, _: Readers) -> AssessmentRunOut:
    """An assessment run, current or scenario, with the models it fitted."""
    found = assessing.assessments.run(assessment_id)
    if found is None:
        raise Problem(404, "Not found", f"There is no assessment {assessment_id}.")
    return AssessmentRunOut.model_validate(found)


@routes.get(
    "/assessments/{assessment_id}/customers/{customer_id}",
    tags=["assessments"],
    responses={410: {"description": "A current assessment whose results the next one replaced"}},
)
def get_assessed_customer(
    assessment_id: UUID, customer_id: str, assessing: Assessing, _: Readers
) -> CustomerAssessmentOut:
    """A customer as a scenario, or the latest current assessment, saw them (an earlier
    current assessment's results were replaced by the next one's)."""
    runs: Assessments = assessing.assessments
    run = runs.run(assessment_id)
    if run is None:
        raise Problem(404, "Not found", f"There is no assessment {assessment_id}.")
    if run["scenario"]:
        found = runs.in_scenario(assessment_id, customer_id)
    else:
        latest = runs.latest()
        if latest is None or latest["id"] != assessment_id:
            raise Problem(
                410,
                "Replaced",
                f"Assessment {assessment_id}'s results were replaced by a later assessment's.",
            )
        found = runs.of(customer_id)
    if found is None:
        raise Problem(404, "Not found", f"Assessment {assessment_id} has no {customer_id}.")
    return CustomerAssessmentOut.model_validate(found)
