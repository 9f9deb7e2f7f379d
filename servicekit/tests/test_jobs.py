"""Long work runs as a job: 202 at once, then status, progress and result at /jobs/{id},
one job of a kind at a time, in the service's database so any replica answers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Request, Response
from fastapi.testclient import TestClient

from servicekit import jobs, problems
from servicekit.auth import Principal, issue_token, require
from servicekit.jobs import Job, Jobs, JobStatus, Progress
from servicekit.settings import DEV_SIGNING_KEY

ADMIN = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'root', ['admin'])}"}
ANALYST = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'ann', ['analyst'])}"}


class Counting:
    """Work that counts to ``to``, reporting its progress, once it is let go."""

    def __init__(self, to: int = 3) -> None:
        self.to = to
        self.go = threading.Event()
        self.started = threading.Event()

    def __call__(self, progress: Progress) -> dict[str, int]:
        self.started.set()
        assert self.go.wait(30), "never let go"
        for n in range(self.to):
            progress(n / self.to)
        return {"counted": self.to}


def service(runner: Jobs, work: Callable[[Progress], object]) -> FastAPI:
    """A service with one admin route that starts ``work`` as a job."""
    app = FastAPI()
    app.state.jobs = runner
    app.state.verification_keys = [DEV_SIGNING_KEY]
    problems.install(app)
    app.include_router(jobs.routes())

    @app.post("/counts", status_code=202)
    def count(
        request: Request,
        response: Response,
        principal: Annotated[Principal, Depends(require("admin"))],
    ) -> Job:
        return jobs.start(request, response, "counting", work, principal)

    return app


@pytest.fixture
def runner(tmp_path: Any) -> Iterator[Jobs]:
    found = Jobs(f"sqlite:///{tmp_path / 'views.sqlite'}", report_seconds=0)
    yield found
    found.close()


def finished(client: TestClient, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        job: dict[str, Any] = client.get(location, headers=ADMIN).json()
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.02)


def test_a_job_answers_202_at_once_and_tells_its_result_when_done(runner: Jobs) -> None:
    work = Counting()
    with TestClient(service(runner, work)) as client:
        accepted = client.post("/counts", headers=ADMIN)
        assert work.started.wait(10)
        while_running = client.get(accepted.headers["Location"], headers=ADMIN).json()
        work.go.set()
        done = finished(client, accepted.headers["Location"])

    assert accepted.status_code == 202
    assert accepted.headers["Location"] == f"/jobs/{accepted.json()['id']}"
    assert accepted.json()["kind"] == "counting"
    assert accepted.json()["submitted_by"] == "root"
    assert while_running["status"] == "running"
    assert done["status"] == "succeeded"
    assert done["result"] == {"counted": 3}
    assert done["progress"] == 1.0
    assert done["started_at"] <= done["finished_at"]


def test_a_second_job_of_a_kind_is_refused_with_the_running_one(runner: Jobs) -> None:
    work = Counting()
    with TestClient(service(runner, work)) as client:
        first = client.post("/counts", headers=ADMIN)
        second = client.post("/counts", headers=ADMIN)
        work.go.set()
        finished(client, first.headers["Location"])
        third = client.post("/counts", headers=ADMIN)
        finished(client, third.headers["Location"])

    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["job"]["id"] == first.json()["id"]
    assert third.status_code == 202


def test_the_progress_is_seen_while_the_job_runs(runner: Jobs) -> None:
    halfway = threading.Event()
    resume = threading.Event()

    def work(progress: Progress) -> None:
        progress(0.5)
        halfway.set()
        assert resume.wait(10)

    job = runner.submit("halving", work)
    assert halfway.wait(10)
    seen = runner.get(job.id)
    resume.set()

    assert seen is not None
    assert (seen.status, seen.progress) == (JobStatus.RUNNING, 0.5)
    assert runner.wait(job.id, 10).status == JobStatus.SUCCEEDED


def test_a_failed_job_tells_why_and_frees_its_kind(runner: Jobs) -> None:
    def failing(progress: Progress) -> None:
        raise ValueError("the ledger is closed")

    failed = runner.wait(runner.submit("failing", failing).id, 10)
    again = runner.submit("failing", lambda progress: "fine")

    assert failed.status == JobStatus.FAILED
    assert failed.error == "ValueError: the ledger is closed"
    assert failed.result is None
    assert runner.wait(again.id, 10).result == "fine"


def test_a_job_whose_process_stopped_beating_is_failed_as_abandoned(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'views.sqlite'}"
    work = Counting()
    here = Jobs(url, stale_after=60)
    job = here.submit("counting", work)
    assert work.started.wait(10)
    later = Jobs(url, stale_after=60, clock=lambda: here.clock() + timedelta(minutes=2))

    seen = later.get(job.id)
    replacement = later.submit("counting", lambda progress: "done")
    work.go.set()

    assert seen is not None
    assert seen.status == JobStatus.FAILED
    assert "abandoned" in (seen.error or "")
    assert later.wait(replacement.id, 10).status == JobStatus.SUCCEEDED
    here.close()
    later.close()


def test_an_unknown_job_is_a_404_problem_and_a_reader_without_the_role_is_refused(
    runner: Jobs,
) -> None:
    with TestClient(service(runner, Counting())) as client:
        unknown = client.get("/jobs/6f1c1a56-7c43-4b0a-9d59-2f6b0e3f9c11", headers=ADMIN)
        malformed = client.get("/jobs/not-a-job", headers=ADMIN)
        refused = client.post("/counts", headers=ANALYST)

    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert malformed.status_code == 422
    assert refused.status_code == 403
    with runner.engine.connect() as connection:
        assert connection.execute(jobs.jobs.select()).all() == []  # the refused one: none


@pytest.mark.postgres
def test_every_replica_answers_for_a_job_and_refuses_a_second_one_of_its_kind(
    postgres_dsn_factory: Callable[[str], str],
) -> None:
    url = postgres_dsn_factory("jobs").replace("postgresql://", "postgresql+psycopg://", 1)
    running, polled = Jobs(url, report_seconds=0), Jobs(url, report_seconds=0)
    work = Counting()

    job = running.submit("counting", work)
    with pytest.raises(jobs.JobRunning) as refused:
        polled.submit("counting", Counting())
    work.go.set()
    done = polled.wait(job.id, 10)

    assert refused.value.job.id == job.id
    assert done.status == JobStatus.SUCCEEDED
    assert done.result == {"counted": 3}
    running.close()
    polled.close()
