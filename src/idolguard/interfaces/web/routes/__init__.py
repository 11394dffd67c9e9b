"""Every router of the web app, in the order they are mounted."""

from fastapi import APIRouter

from idolguard.interfaces.web.routes import (
    cases,
    dashboard,
    exchange,
    guide,
    impersonation,
    notices,
    portal,
    reports,
    review,
    roster,
    session,
)

ROUTERS: list[APIRouter] = [
    session.router,
    dashboard.router,
    review.router,
    roster.router,
    impersonation.router,
    cases.router,
    notices.router,
    reports.router,
    guide.router,
    portal.router,
    exchange.router,
]
