"""A form that the API refused comes back filled in, with an error summary on top that links to
each field and a message beside the field (the pattern of the GOV.UK design system)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from services.web.api import Api, Reply
from services.web.errors import explain
from services.web.i18n import translate


def refused(reply: Reply, lang: str, labels: dict[str, str], values: dict[str, str],
            *, summary_field: str | None = None) -> dict[str, Any]:
    """What a page template needs to show a refused form again: `values` as typed, `errors`
    [(field id, message)] for the summary (an empty id: not about one field) and `err`
    {field id: message}. `labels` maps the API's field names to the form's field ids' labels:
    the field id is the API's name with dots as dashes."""
    explained = explain(reply, lang, {k: translate(v, lang) for k, v in labels.items()})
    err = {k.replace(".", "-"): m for k, m in explained.fields.items()}
    errors: list[tuple[str, str]] = [(k, m) for k, m in err.items()]
    if not errors:
        errors = [(summary_field or "", explained.summary)]
        if summary_field:
            err[summary_field] = explained.summary
    return {"values": values, "errors": errors, "err": err}


def missing(lang: str, fields: dict[str, str], values: dict[str, str]) -> dict[str, Any] | None:
    """The form again when a required field is empty (before asking the API)."""
    err = {fid: f"{translate(label, lang)} {'skal udfyldes' if lang == 'da' else 'must be filled in'}."
           for fid, label in fields.items() if not values.get(fid, "").strip()}
    if not err:
        return None
    return {"values": values, "errors": list(err.items()), "err": err}


async def vote_outcome(api: Api, campaign_id: str, event_id: str,
                       timeout_s: float = 4.0) -> dict[str, Any] | None:
    """The caller's vote (or withdrawal) with this event id once the voting service has judged
    it, or None when it is still waiting after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        r = await api.get("/me/votes", campaign=campaign_id)
        if r.ok:
            for m in r.body["votes"]:
                if str(m.get("event_id")) == event_id and m["state"] != "pending":
                    found: dict[str, Any] = m
                    return found
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.25)
