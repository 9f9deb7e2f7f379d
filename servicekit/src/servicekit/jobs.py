"""Long work as jobs: the request that starts it answers 202 at once with a job
resource, the work runs in a thread of its own, off the request path, and the
client follows it at ``GET /jobs/{id}`` (status, progress, result or error).

Jobs live in the service's database (table ``jobs``, beside its read models), not
in the process's memory: a service runs as several replicas behind one address, so
the replica a client polls is seldom the one running its job. Any replica answers
for any job, a job's outcome outlives a restart, and "one job of a kind at a time"
holds across replicas: a queued or running job holds its kind in a unique column.
A replica that dies mid-job stops beating; a job without a beat for ``stale_after``
seconds is failed as abandoned and frees its kind. Finished jobs are kept
``keep_for``, then dropped.

A second submission of a kind while one is queued or running is refused (409 with
the running job, see :func:`start`) rather than answered with the running job: the
two requests may ask for different things (another date, say), and a 202 would tell
the client its request was taken when it was not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from pydantic_core import to_jsonable_python
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from servicekit.auth import Principal, require
from servicekit.problems import Problem
from servicekit.views import read_times_in_utc

log = logging.getLogger(__name__)

Progress = Callable[[float], None]
"""Tells how far the work is, from 0 to 1."""
Work = Callable[[Progress], object]
"""The job's work; what it returns (JSON-able) becomes the job's result."""

metadata = MetaData()
jobs = Table(
    "jobs",
    metadata,
    Column("job_id", String(36), primary_key=True),
    Column("kind", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("progress", Float, nullable=False),
    Column("result", JSON),
    Column("error", Text),
    Column("submitted_by", String(255)),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True), index=True),
    Column("beat_at", DateTime(timezone=True), nullable=False),
    # the kind while the job is queued or running, else NULL: at most one active per kind
    Column("active_kind", String(100), unique=True),
)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(BaseModel):
    """A piece of long work and how it went."""

    id: UUID
    kind: str
    status: JobStatus
    progress: float = Field(ge=0, le=1, description="How far the work is, from 0 to 1")
    result: Any = Field(default=None, description="What the work found, once it succeeded")
    error: str | None = Field(default=None, description="Why it failed")
    submitted_by: str | None = None
    submitted_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class JobRunning(Exception):
    """A job of the kind is queued or running already."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"a {job.kind} job is {job.status} already: {job.id}")
        self.job = job


def utc_now() -> datetime:
    return datetime.now(UTC)


class Jobs:
    """Runs jobs in threads of this process and keeps them in the service's database."""

    def __init__(
        self,
        url: str,
        *,
        beat_seconds: float = 5.0,
        stale_after: float = 60.0,
        keep_for: timedelta = timedelta(days=7),
        report_seconds: float = 0.5,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = create_engine(
            url, **({"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {})
        )
        read_times_in_utc(self.engine)
        metadata.create_all(self.engine)
        self.beat_seconds = beat_seconds
        self.stale_after = timedelta(seconds=stale_after)
        self.keep_for = keep_for
        self.report_seconds = report_seconds
        self.clock = clock
        self._running: set[str] = set()
        self._beating: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, kind: str, work: Work, submitted_by: str | None = None) -> Job:
        """Queue ``work`` as a job of ``kind`` and start it in a thread of its own;
        raises :class:`JobRunning` while a job of that kind is queued or running."""
        now = self.clock()
        job_id = str(uuid4())
        row = {
            "job_id": job_id,
            "kind": kind,
            "status": JobStatus.QUEUED.value,
            "progress": 0.0,
            "submitted_by": submitted_by,
            "submitted_at": now,
            "beat_at": now,
            "active_kind": kind,
        }
        try:
            with self.engine.begin() as connection:
                self._fail_abandoned(connection, now, kind)
                connection.execute(delete(jobs).where(jobs.c.finished_at < now - self.keep_for))
                connection.execute(jobs.insert(), [row])
        except IntegrityError:
            running = self._active(kind)
            if running is None:  # it finished meanwhile
                return self.submit(kind, work, submitted_by)
            raise JobRunning(running) from None
        with self._lock:
            self._running.add(job_id)
            self._ensure_beating()
        threading.Thread(
            target=self._execute, args=(job_id, work), name=f"job-{kind}", daemon=True
        ).start()
        found = self.get(UUID(job_id))
        assert found is not None
        return found

    def get(self, job_id: UUID) -> Job | None:
        with self.engine.begin() as connection:
            self._fail_abandoned(connection, self.clock())
            row = connection.execute(select(jobs).where(jobs.c.job_id == str(job_id))).first()
        return None if row is None else _job(row._mapping)

    def wait(self, job_id: UUID, timeout: float) -> Job:
        """The job once it finished (or as it is after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.get(job_id)
            if found is None:
                raise LookupError(f"no job {job_id}")
            if found.status not in ACTIVE or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def close(self) -> None:
        self.engine.dispose()

    def _active(self, kind: str) -> Job | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(jobs).where(jobs.c.active_kind == kind)).first()
        return None if row is None else _job(row._mapping)

    def _fail_abandoned(self, connection: Any, now: datetime, kind: str | None = None) -> None:
        """Jobs whose process stopped beating will never finish: fail them, free their kind."""
        abandoned = jobs.c.active_kind.is_not(None) & (jobs.c.beat_at < now - self.stale_after)
        if kind is not None:
            abandoned &= jobs.c.active_kind == kind
        connection.execute(
            update(jobs)
            .where(abandoned)
            .values(
                status=JobStatus.FAILED.value,
                error="abandoned: the process running it stopped",
                finished_at=now,
                active_kind=None,
            )
        )

    def _execute(self, job_id: str, work: Work) -> None:
        reported = time.monotonic()

        def progress(done: float) -> None:
            nonlocal reported
            if time.monotonic() - reported >= self.report_seconds:
                reported = time.monotonic()
                self._change(job_id, progress=min(max(done, 0.0), 1.0), beat_at=self.clock())

        try:
            now = self.clock()
            self._change(job_id, status=JobStatus.RUNNING.value, started_at=now, beat_at=now)
            result = to_jsonable_python(work(progress))
        except Exception as failure:
            log.exception("job %s failed", job_id)
            outcome: dict[str, Any] = {
                "status": JobStatus.FAILED.value,
                "error": f"{type(failure).__name__}: {failure}",
            }
        else:
            outcome = {"status": JobStatus.SUCCEEDED.value, "progress": 1.0, "result": result}
        finally:
            with self._lock:
                self._running.discard(job_id)
        try:
            self._change(job_id, finished_at=self.clock(), active_kind=None, **outcome)
        except Exception:  # it stops beating: the next look fails it as abandoned
            log.exception("could not record how job %s ended", job_id)

    def _change(self, job_id: str, **values: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(jobs).where(jobs.c.job_id == job_id).values(**values))

    def _ensure_beating(self) -> None:
        """A thread beats for this process's running jobs while there are any."""
        if self._beating is None or not self._beating.is_alive():
            self._beating = threading.Thread(target=self._beat, name="job-beat", daemon=True)
            self._beating.start()

    def _beat(self) -> None:
        while True:
            time.sleep(self.beat_seconds)
            with self._lock:
                running = list(self._running)
                if not running:
                    self._beating = None
                    return
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        update(jobs).where(jobs.c.job_id.in_(running)).values(beat_at=self.clock())
                    )
            except Exception:
                log.warning("could not record the running jobs' beat", exc_info=True)


def _job(row: Any) -> Job:
    return Job(
        id=UUID(row["job_id"]),
        kind=row["kind"],
        status=JobStatus(row["status"]),
        progress=row["progress"],
        result=row["result"],
        error=row["error"],
        submitted_by=row["submitted_by"],
        submitted_at=row["submitted_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def start(
    request: Request,
    response: Response,
    kind: str,
    work: Work,
    principal: Principal | None = None,
) -> Job:
    """Answer a route that starts a job: 202 with the job and its Location, or 409
    with the job of the same kind that is still queued or running."""
    runner: Jobs = request.app.state.jobs
    try:
        job = runner.submit(kind, work, None if principal is None else principal.subject)
    except JobRunning as running:
        raise Problem(
            409,
            "Job already running",
            f"A {kind} job is {running.job.status} already; follow it at "
            f"/jobs/{running.job.id} and try again once it finished.",
            job=running.job.model_dump(mode="json"),
        ) from None
    response.status_code = 202
    response.headers["Location"] = f"/jobs/{job.id}"
    return job


def routes(*roles: str) -> APIRouter:
    """``GET /jobs/{job_id}`` for callers with any of ``roles`` (admin always)."""
    router = APIRouter()

    @router.get("/jobs/{job_id}", tags=["jobs"], dependencies=[Depends(require(*roles))])
    def get_job(job_id: UUID, request: Request) -> Job:
        """A job started by a route that answered 202: its status, progress and result."""
        runner: Jobs = request.app.state.jobs
        found = runner.get(job_id)
        if found is None:
            raise Problem(404, "Not found", f"There is no job {job_id}.")
        return found

    return router
