"""Rendering pages: one Jinja2 environment (autoescaped), security headers, the session's cookies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.web import i18n
from services.web.api import Reply
from services.web.session import Visit, finish, flash

HERE = Path(__file__).resolve().parent
env = Environment(loader=FileSystemLoader(HERE / "templates"),
                  autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                  trim_blocks=True, lstrip_blocks=True)

# Pages are served from the gateway itself: no script, style or font from anywhere else.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def page(request: Request, v: Visit, template: str, *, status: int = 200,
         **values: Any) -> Response:
    lang = v.lang

    def t(key: str, *args: Any) -> str:
        text = i18n.translate(key, lang)
        return text % args if args else text

    html = env.get_template(template).render(
        t=t, when=lambda value: i18n.when(value, lang), v=v, lang=lang,
        shown=lambda text: i18n.shown(text, lang),
        path=request.url.path, query=str(request.url.query), **values)
    return finish(request, HTMLResponse(html, status_code=status, headers=HEADERS), v)


def problem(request: Request, v: Visit, status: int, message: str) -> Response:
    return page(request, v, "problem.html", status=status, message=message)


def unavailable(request: Request, v: Visit, reply: Reply) -> Response:
    """The page for an answer that is neither data nor a missing route: say what was wrong."""
    return problem(request, v, reply.status, reply.message or f"HTTP {reply.status}")


def back(request: Request, v: Visit, to: str, *, ok: str | None = None,
         reply: Reply | None = None, route: str | None = None) -> Response:
    """After a form: see the result on the page it came from (POST, redirect, GET). `route`
    names the API route called, for the message when the server does not offer it yet."""
    response = RedirectResponse(to, status_code=303)
    if reply is not None and not reply.ok:
        text = (i18n.translate("not_available", v.lang) % route if route and reply.missing
                else reply.message or f"HTTP {reply.status}")
        flash(request, response, "error", text)
    elif ok is not None:
        flash(request, response, "ok", i18n.translate(ok, v.lang))
    v.flash = None  # this answer does not show the pending message, so leave it be
    finish(request, response, v)
    return response
