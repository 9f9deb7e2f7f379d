"""What every support route needs: the application, the read models, the caller's role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from servicekit.auth import Principal, require
from servicekit.service import application, handler
from support.app import Support
from support.views.projection import SupportViews

Agents = Annotated[Principal, Depends(require("support"))]
Readers = Annotated[Principal, Depends(require("support", "sales", "analyst"))]
Admins = Annotated[Principal, Depends(require("admin"))]
App = Annotated[Support, Depends(application(Support))]
Views = Annotated[SupportViews, Depends(handler(SupportViews))]
