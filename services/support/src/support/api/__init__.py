"""Support's HTTP routes, one module per concept."""

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from servicekit.problems import problem_response
from support.api import cases, customers, orders, sla, teams
from support.domain.errors import IllegalTransition

routes = APIRouter()
for module in (cases, customers, orders, sla, teams):
    routes.include_router(module.routes)


def install(api: FastAPI) -> None:
    """A command the case's state does not allow is a 409, from every route."""

    @api.exception_handler(IllegalTransition)
    async def on_illegal(request: Request, error: IllegalTransition) -> JSONResponse:
        return problem_response(request, 409, "Not possible in the case's state", str(error))
