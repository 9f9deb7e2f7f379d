"""What every acquisition route shares: roles, dependencies, headers and refusals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from acquisition.app import Acquisition
from acquisition.domain.errors import IllegalTransition, InvalidInput
from acquisition.views.projection import AcquisitionViews
from servicekit.auth import Principal, require
from servicekit.problems import problem_response
from servicekit.service import application, handler

Sales = Annotated[Principal, Depends(require("sales", "marketing"))]
Readers = Annotated[Principal, Depends(require("sales", "marketing", "support", "analyst"))]
App = Annotated[Acquisition, Depends(application(Acquisition))]
Views = Annotated[AcquisitionViews, Depends(handler(AcquisitionViews))]


def located(response: Response, path: str, version: int) -> None:
    response.headers["Location"] = path
    response.headers["ETag"] = f'"{version}"'


def tagged(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def install(api: FastAPI) -> None:
    """Domain refusals as problems: an illegal transition is 409, a broken rule 422."""

    @api.exception_handler(IllegalTransition)
    async def on_illegal(request: Request, error: IllegalTransition) -> JSONResponse:
        return problem_response(request, 409, "Illegal transition", str(error))

    @api.exception_handler(InvalidInput)
    async def on_invalid(request: Request, error: InvalidInput) -> JSONResponse:
        return problem_response(
            request,
            422,
            "Invalid request",
            str(error),
            errors=[{"field": error.field, "message": error.message}],
        )
