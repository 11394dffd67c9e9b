"""Every router of the web app, in the order they are mounted."""

from fastapi import APIRouter

from idolguard.interfaces.web.routes import session

ROUTERS: list[APIRouter] = [session.router]
