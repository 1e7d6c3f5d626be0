"""HTTP routes for stored steering-group reports (`steering` role; admin passes every check)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from services.infra.auth import Principal, Role
from services.infra.http import ApiError, Context, not_found, require
from services.reporting.report import queries
from services.reporting.report.i18n import LANGUAGES
from services.reporting.report.quarter import Quarter
from services.reporting.report.render import FORMATS, MEDIA_TYPES, Format

router = APIRouter(tags=["reports"])
Steering = Annotated[Principal, Depends(require(Role.STEERING))]

_BY_MEDIA: dict[str, Format] = {
    "application/pdf": "pdf", "text/html": "html", "text/markdown": "md",
    "application/json": "json", "*/*": "json", "application/*": "json", "text/*": "html",
}


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    rid = row["report_id"]
    return {
        "report_id": str(rid), "quarter": row["quarter"], "cutoff": row["cutoff"].isoformat(),
        "event_count": row["event_count"], "events_hash": row["events_hash"],
        "content_hash": row["content_hash"], "generated_at": row["generated_at"].isoformat(),
        "trigger": row["trigger"],
        "files": {f: f"/reports/{rid}.{f.split('.')[1]}?lang={f.split('.')[0]}"
                  for f in row["files"]},
    }


@router.get("/reports")
async def list_reports(ctx: Context, principal: Steering,
                       quarter: Annotated[str | None, Query(max_length=7)] = None
                       ) -> dict[str, Any]:
    """Stored quarterly reports, newest quarter first, with links to every rendering."""
    if quarter is not None:
        try:
            quarter = str(Quarter.parse(quarter))
        except ValueError as exc:
            raise ApiError(422, "invalid_quarter", str(exc)) from exc
    rows = await queries.list_reports(ctx.pool, quarter)
    return {"reports": [_summary(r) for r in rows]}


def _choose(ext: str | None, accept: str | None) -> Format:
    if ext is not None:
        if ext not in FORMATS:
            raise ApiError(404, "unknown_format",
                           f"no rendering .{ext}; choose from {', '.join(FORMATS)}")
        return ext
    for part in (accept or "*/*").split(","):
        media = part.split(";")[0].strip().lower()
        if media in _BY_MEDIA:
            return _BY_MEDIA[media]
    raise ApiError(406, "not_acceptable",
                   "this report is available as application/pdf, text/html, text/markdown or "
                   "application/json")


@router.get("/reports/{ref}")
async def get_report(ctx: Context, principal: Steering, ref: str,
                     lang: Annotated[str, Query(pattern="^(da|en)$")] = "da",
                     accept: Annotated[str | None, Header(max_length=1_000)] = None) -> Response:
    """One report: `/reports/{id}.pdf` (or .html, .md, .json), or by `Accept`; `?lang=en`."""
    ident, _, ext = ref.partition(".")
    try:
        report_id = uuid.UUID(ident)
    except ValueError as exc:
        raise ApiError(404, "not_found", f"{ident!r} is not a report id") from exc
    fmt = _choose(ext.lower() or None, accept)
    if lang not in LANGUAGES:
        raise ApiError(422, "invalid_lang", "lang must be da or en")
    content = await queries.get_file(ctx.pool, report_id, lang, fmt)
    if content is None:
        if await queries.get_report(ctx.pool, report_id) is None:
            raise not_found("report", report_id)
        raise ApiError(404, "not_rendered", f"report {report_id} has no {lang} {fmt} rendering")
    headers = {"Content-Disposition":
               f'inline; filename="report-{report_id}-{lang}.{fmt}"'}
    return Response(content=content, media_type=MEDIA_TYPES[fmt], headers=headers)
