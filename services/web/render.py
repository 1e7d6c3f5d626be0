"""Rendering pages: one Jinja2 environment (autoescaped), security headers, the session's cookies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.web import errors, i18n
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

    values.setdefault("errors", [])
    values.setdefault("err", {})
    values.setdefault("values", {})
    values.setdefault("notify", getattr(request.state, "notify", None))  # services/web/notify.py
    html = env.get_template(template).render(
        t=t, when=lambda value: i18n.when(value, lang), v=v, lang=lang,
        day=lambda value: i18n.day(value, lang),
        num=lambda value, d=0: i18n.num(value, lang, d),
        pct=lambda value: i18n.pct(value, lang), kr=lambda value: i18n.kr(value, lang),
        who=lambda pid, name=None: i18n.who(pid, name, lang, v),
        label=lambda key: i18n.label(key, lang),
        sector_names=lambda sectors: ", ".join(t(f"sector_{s}") for s in sectors or ()),
        shown=lambda text: i18n.shown(text, lang),
        path=request.url.path, query=str(request.url.query), **values)
    return finish(request, HTMLResponse(html, status_code=status, headers=HEADERS), v)


def problem(request: Request, v: Visit, status: int, message: str) -> Response:
    return page(request, v, "problem.html", status=status, message=message)


def unavailable(request: Request, v: Visit, reply: Reply) -> Response:
    """The page for an answer that is neither data nor a missing route: say what was wrong,
    in the words of the error catalogue."""
    return problem(request, v, reply.status, errors.explain(reply, v.lang).summary)


def back(request: Request, v: Visit, to: str, *, ok: str | None = None,
         reply: Reply | None = None, route: str | None = None, error: str | None = None,
         info: str | None = None, done: str | None = None) -> Response:
    """After a form: see the result on the page it came from (POST, redirect, GET). `ok` and
    `info` are keys of the pages' words, `error` a sentence; a refused `reply` is said in the
    words of the error catalogue. `route` names the API route called, for the message when the
    server does not offer it yet."""
    response = RedirectResponse(to, status_code=303)
    if reply is not None and not reply.ok:
        text = (i18n.translate("not_available", v.lang) % route if route and reply.missing
                else errors.explain(reply, v.lang).summary)
        flash(request, response, "error", text)
    elif error is not None:
        flash(request, response, "error", error)
    elif info is not None:
        flash(request, response, "info", i18n.translate(info, v.lang))
    elif ok is not None:
        flash(request, response, "ok", i18n.translate(ok, v.lang))
    elif done is not None:
        flash(request, response, "ok", done)
    v.flash = None  # this answer does not show the pending message, so leave it be
    finish(request, response, v)
    return response
