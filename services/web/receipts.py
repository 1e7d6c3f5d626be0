"""Vote receipts where people see them: the receipt of the vote just made (shown once on the page
the vote returns to), "Tjek min stemme" (`/tjek`: anyone checks a receipt, by pasting it or
uploading its file; the signed-in owner also by the vote's id), the receipt as a file, and the
proof file that `ideastorm verify-receipt` reads.

Everything is asked of the API: `POST /receipts/verify` (public) and `GET /me/receipts`.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.web.api import Api
from services.web.errors import sentence
from services.web.i18n import translate
from services.web.pages import reason_text, signed_in
from services.web.render import page, unavailable
from services.web.session import Visit, form, visit

router = APIRouter(include_in_schema=False)

CHECK = "/tjek"
MAX_CAMPAIGNS = 200  # campaigns looked through for a person's receipt by its id
# a vote's own state that says more than the four words (counted, held, withdrawn, refused)
CAUSES = ("replaced", "merged_duplicate", "discarded", "applied")
FIELD_PATH = re.compile(r"\breceipt(?:\.[a-z_]+)?")  # in a refusal's text: receipt.position
FILE_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


# -- what a pasted text holds ---------------------------------------------------------------

def pasted_receipt(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The receipt in a pasted text or uploaded file, or the error code saying why there is
    none. Accepted: the receipt file (`{"receipt": …}`, what `POST /receipts/verify` reads), a
    bare receipt, the proof file (`{"receipt", "head", "inclusion"}`) or a whole answer of
    `POST /receipts/verify` (`{"proof": {"receipt": …}}`)."""
    text = text.strip().lstrip("\ufeff")
    if not text:
        return None, "receipt_empty"
    try:
        data = json.loads(text)
    except ValueError:
        return None, "receipt_not_json"
    if isinstance(data, dict) and isinstance(data.get("proof"), dict):
        data = data["proof"]
    if isinstance(data, dict) and isinstance(data.get("receipt"), dict):
        data = data["receipt"]
    if not isinstance(data, dict) or "signature" not in data or "event_id" not in data:
        return None, "receipt_unreadable"
    return data, None


def unreadable_fields(body: Any) -> list[str]:
    """The receipt's fields a refusal of `POST /receipts/verify` names (`body.receipt.position`
    -> `position`)."""
    detail = body.get("detail") if isinstance(body, dict) else None
    problems = detail.get("errors", []) if isinstance(detail, dict) else []
    names: list[str] = []
    for p in problems:
        # a field's path, or, for a problem with the body as a whole, the paths its text names
        where = str(p.get("where", "")).removeprefix("body").strip(".")
        found = [where] if where else FIELD_PATH.findall(str(p.get("problem", "")))
        for path in found:
            name = path.removeprefix("receipt").strip(".")
            if name and name not in names:
                names.append(name)
    return names


# -- what a vote's state now means, in words ------------------------------------------------

def state_key(vote: dict[str, Any]) -> str:
    """The key of the words for a receipt's vote now (`rstate_…` in i18n)."""
    state = str(vote.get("state") or "unknown")
    cause = vote.get("cause")
    if cause in CAUSES:
        return str(cause)
    if state == "refused" and vote.get("kind") == "withdraw":
        return "refused_withdraw"
    return state


def state_words(vote: dict[str, Any], lang: str) -> str:
    """The vote's state now as a sentence, with the reason in words where it was refused or
    held (`budget_exceeded` -> "Du har ikke flere stemmer tilbage i denne kampagne.")."""
    text = translate("rstate_" + state_key(vote), lang)
    if vote.get("state") in ("refused", "held") and vote.get("code"):
        reason = reason_text(str(vote["code"]), lang)
        text = f"{text} {translate('reason', lang)}: {reason}"
    return text


# -- the owner's receipts ---------------------------------------------------------------------

async def my_receipt(api: Api, event_id: str, campaign_id: str | None
                     ) -> tuple[dict[str, Any] | None, str | None]:
    """(the entry of `GET /me/receipts` for this event, its campaign id), looked for in one
    campaign or, without one, in every campaign."""
    if campaign_id:
        campaigns = [campaign_id]
    else:
        listed = await api.get("/campaigns", limit=MAX_CAMPAIGNS)
        campaigns = [str(c["campaign_id"]) for c in listed.body] if listed.ok else []
    for cid in campaigns:
        r = await api.get("/me/receipts", campaign=cid)
        if not r.ok:
            continue
        for item in r.body["receipts"]:
            if str(item["receipt"]["event_id"]) == event_id:
                found: dict[str, Any] = item
                return found, cid
    return None, None


def receipt_file(receipt: dict[str, Any]) -> Response:
    """The receipt as the file `POST /receipts/verify` and the check page read."""
    text = json.dumps({"receipt": receipt}, ensure_ascii=False, indent=2) + "\n"
    name = f"kvittering-{receipt['event_id']}.json"
    return Response(text.encode("utf-8"), media_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             **FILE_HEADERS})


def as_uuid(text: str) -> str | None:
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        return None


@router.get("/my/receipts/{event_id}.json")
async def download(request: Request, event_id: uuid.UUID, kampagne: str = "") -> Response:
    """One of the person's receipts as a file."""
    v = visit(request)
    if (refused_ := signed_in(request, v, "participant")) is not None:
        return refused_
    item, _ = await my_receipt(Api(request, v.token), str(event_id), as_uuid(kampagne))
    if item is None:
        return check_page(request, v, status=404, errors=[
            ("", sentence("receipt_not_found", v.lang))])
    return receipt_file(item["receipt"])


# -- "Tjek min stemme" --------------------------------------------------------------------

def check_page(request: Request, v: Visit, *, status: int = 200, **values: Any) -> Response:
    for name in ("answer", "receipt", "title", "campaign_id"):
        values.setdefault(name, None)
    values.setdefault("need_signin", False)
    values.setdefault("errors", [])
    err = {fid: message for fid, message in values["errors"] if fid}
    return page(request, v, "check.html", status=status, err=err,
                state_words=lambda vote: state_words(vote, v.lang), **values)


def refusal(request: Request, v: Visit, code: str, pasted: str, status: int = 422,
            fields: list[str] | None = None) -> Response:
    message = sentence(code, v.lang)
    if fields:
        named = ", ".join(fields)
        message = f"{message} ({'felt' if v.lang == 'da' else 'field'}: {named})"
    return check_page(request, v, status=status, errors=[("receipt", message)],
                      values={"receipt": pasted})


async def answer_for(request: Request, v: Visit, receipt: dict[str, Any], pasted: str,
                     campaign_id: str | None = None) -> Response:
    """Ask the API about a receipt and show its answer (or why it cannot be checked)."""
    api = Api(request, v.token)
    r = await api.post("/receipts/verify", {"receipt": receipt})
    if r.status == 422:
        return refusal(request, v, "receipt_unreadable", pasted, fields=unreadable_fields(r.body))
    if not r.ok:
        return unavailable(request, v, r)
    answer: dict[str, Any] = r.body
    if not answer["genuine"]:
        return refusal(request, v, "receipt_not_genuine", pasted)
    vote = answer.get("vote") or {}
    title = None
    if vote.get("idea_id"):
        idea = await api.get(f"/ideas/{vote['idea_id']}")
        title = idea.body["title"] if idea.ok else None
    return check_page(request, v, answer=answer, receipt=receipt, title=title,
                      receipt_text=json.dumps({"receipt": receipt}),
                      campaign_id=campaign_id or vote.get("campaign_id"))


@router.get(CHECK)
async def check(request: Request, stemme: str = "", kampagne: str = "") -> Response:
    """The check page; with `stemme` (a vote's event id) the signed-in owner's receipt is
    checked at once."""
    v = visit(request)
    if not stemme:
        return check_page(request, v)
    event_id = as_uuid(stemme)
    if v.principal is None:
        return check_page(request, v, need_signin=True)
    found, campaign_id = (await my_receipt(Api(request, v.token), event_id, as_uuid(kampagne))
                          if event_id else (None, None))
    if found is None:
        return check_page(request, v, status=404,
                          errors=[("receipt", sentence("receipt_not_found", v.lang))])
    return await answer_for(request, v, found["receipt"], "", campaign_id)


def posted_text(f: dict[str, str]) -> str:
    """The receipt sent: the pasted text, else the uploaded file's content."""
    pasted = f.get("receipt", "")
    return pasted if pasted.strip() else f.get("receipt_file", "")


@router.post(CHECK)
async def check_posted(request: Request) -> Response:
    v = visit(request)
    f = await form(request)
    text = posted_text(f)
    receipt, problem = pasted_receipt(text)
    if receipt is None:
        return refusal(request, v, problem or "receipt_unreadable", f.get("receipt", ""))
    return await answer_for(request, v, receipt, f.get("receipt", "") or text)


@router.post(f"{CHECK}/bevis.json")
async def proof_file(request: Request) -> Response:
    """The proof of a receipt (receipt, signed head, inclusion proof) as the file
    `ideastorm verify-receipt FILE` reads; the check page again when there is none yet."""
    v = visit(request)
    f = await form(request)
    text = f.get("receipt", "")
    receipt, problem = pasted_receipt(text)
    if receipt is None:
        return refusal(request, v, problem or "receipt_unreadable", text)
    r = await Api(request, v.token).post("/receipts/verify", {"receipt": receipt})
    if not r.ok or not r.body.get("proof"):
        return await answer_for(request, v, receipt, text)
    body = json.dumps(r.body["proof"], ensure_ascii=False, indent=2) + "\n"
    name = f"stemmebevis-{receipt['event_id']}.json"
    return Response(body.encode("utf-8"), media_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             **FILE_HEADERS})
