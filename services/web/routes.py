"""Everything the web layer adds to the gateway app: pages, sign-in, static files, /docs."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from services.web import (
    answers,
    campaigns,
    comments,
    decisions,
    journey,
    mine,
    notify,
    pages,
    planning,
    receipts,
    results,
    signin,
    staff,
)
from services.web.docs import add_docs
from services.web.render import HERE


def mount(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    add_docs(app)
    app.include_router(signin.router)
    app.include_router(staff.router)
    app.include_router(answers.router)
    app.include_router(planning.router)
    app.include_router(campaigns.router)
    app.include_router(comments.router)
    app.include_router(decisions.router)
    app.include_router(results.router)
    app.include_router(journey.router)
    app.include_router(mine.router)
    app.include_router(receipts.router)
    app.include_router(notify.router)
    app.add_middleware(notify.NotifyState)  # the header's unread count, the follow buttons
    app.include_router(pages.router)
