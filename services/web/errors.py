"""What an API refusal means to a person: every error code the services answer with, as a
sentence in Danish and English, and the fields of a form it concerns.

The API's own messages are for programmers (English, with ids); a page shows these instead.
`tests/unit/test_web_errors.py` fails when a service raises a code this table does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from services.web.api import Reply

# code -> (Danish, English)
MESSAGES: dict[str, tuple[str, str]] = {
    # the edge
    "unauthenticated": ("Du er ikke logget ind, eller dit login er udløbet. Log ind igen.",
                        "You are not signed in, or your sign-in has expired. Sign in again."),
    "forbidden": ("Din rolle giver ikke adgang til dette.",
                  "Your role does not allow this."),
    "not_found": ("Det, du leder efter, findes ikke (eller er ikke offentligt).",
                  "What you are looking for does not exist (or is not public)."),
    "method_not_allowed": ("Siden kan ikke bruges på den måde.", "The page cannot be used that way."),
    "conflict": ("Handlingen passer ikke med, hvordan tingene står nu.",
                 "The action does not fit how things stand now."),
    "payload_too_large": ("Det, du sendte, er for stort.", "What you sent is too large."),
    "rate_limited": ("Du har sendt mange ting på kort tid. Vent lidt, og prøv igen.",
                     "You have sent a lot in a short time. Wait a moment and try again."),
    "unreadable_body": ("Formularen kunne ikke læses. Prøv igen.",
                        "The form could not be read. Try again."),
    "invalid_request": ("Noget i formularen skal rettes.", "Something in the form needs fixing."),
    "internal_error": ("Der skete en fejl hos os. Den er logget; prøv igen senere.",
                       "Something went wrong on our side. It was logged; try again later."),
    "error": ("Der skete en fejl. Prøv igen.", "Something went wrong. Try again."),
    "not_configured": ("Tjenesten er ikke sat op endnu.", "The service is not set up yet."),
    "not_acceptable": ("Formatet findes ikke.", "That format is not available."),
    "wait_for_timeout": ("Det tager længere tid end normalt. Genindlæs siden om lidt.",
                         "It is taking longer than usual. Reload the page in a moment."),
    "unknown_event": ("Siden henviser til en handling, vi ikke kender.",
                      "The page refers to an action we do not know."),
    "idempotency_key_reused": ("Den samme anmodning blev sendt med et andet indhold.",
                               "The same request was sent with different content."),
    "idempotency_key_in_use": ("Den samme anmodning behandles allerede. Vent et øjeblik.",
                               "The same request is already being handled. Wait a moment."),
    "csrf": ("Formularen er forældet. Genindlæs siden, og send den igen.",
             "The form is out of date. Reload the page and send it again."),
    "cross_site": ("Formularen kom fra et andet websted og blev afvist.",
                   "The form came from another site and was refused."),
    "participant_erased": ("Dine oplysninger er slettet, så du kan ikke længere skrive her.",
                           "Your personal data was erased, so you can no longer write here."),
    # campaigns and ideas
    "campaign_not_open": ("Kampagnen er ikke åbnet endnu.", "The campaign has not opened yet."),
    "campaign_closed": ("Kampagnen er lukket.", "The campaign is closed."),
    "not_in_audience": ("Kampagnen er kun åben for deltagere fra bestemte sektorer, "
                        "og din sektor er ikke blandt dem.",
                        "The campaign is open only to participants from certain sectors, "
                        "and yours is not one of them."),
    "no_sector": ("Kampagnen er kun åben for bestemte sektorer. Angiv din sektor i din profil.",
                  "The campaign is open only to certain sectors. Give your sector in your "
                  "profile."),
    "not_author": ("Kun idéens forfatter kan ændre den.", "Only the idea's author may change it."),
    "idea_closed": ("Idéen kan ikke ændres længere.", "The idea can no longer be changed."),
    "not_published": ("Idéen er ikke offentliggjort.", "The idea is not published."),
    "idea_merged": ("Idéen er lagt sammen med en anden idé. Besvar den idé i stedet.",
                    "The idea was merged into another. Answer that idea instead."),
    "already_flagged": ("Du har allerede anmeldt denne idé.", "You have already flagged this idea."),
    "own_idea": ("Du kan ikke anmelde eller stemme på din egen idé.",
                 "You cannot flag or vote for your own idea."),
    "decision_not_applicable": ("Afgørelsen passer ikke til idéens status nu. Genindlæs køen.",
                                "The decision does not fit the idea's status now. Reload the "
                                "queue."),
    "other_campaign": ("Idéer kan kun lægges sammen inden for samme kampagne.",
                       "Ideas can only be merged within the same campaign."),
    "revision_not_pending": ("Versionen venter ikke længere på en afgørelse.",
                             "The revision is no longer waiting for a decision."),
    "pending_revision": ("Idéen har allerede en version, der venter på moderation.",
                         "The idea already has a revision waiting for moderation."),
    "invalid_cursor": ("Linket til næste side er ændret. Start forfra.",
                       "The link to the next page was changed. Start again."),
    "unknown_campaign": ("Kampagnen findes ikke.", "The campaign does not exist."),
    # changing a campaign
    "nothing_changed": ("Du har ikke ændret noget: alle felter har allerede de værdier.",
                        "You have not changed anything: every field has that value already."),
    "campaign_open_settings": (
        "Kampagnen er åben, så åbningstidspunkt, målgruppe, moderation, stemmeregler og "
        "budget kan ikke længere ændres: det ville ændre, hvem der må deltage, eller hvordan "
        "stemmerne tæller, mens der stemmes.",
        "The campaign is open, so its opening, audience, moderation, vote rules and budget can "
        "no longer change: that would change who may take part or how votes count while "
        "people vote."),
    "campaign_closed_settings": (
        "Kampagnen er lukket. Nu kan kun titel, spørgsmål og beskrivelse rettes.",
        "The campaign is closed. Only its title, question and description can still be "
        "corrected."),
    "author_names_after_opening": (
        "Visning af forfatternavne kan kun slås til, før kampagnen åbner: de idéer, der "
        "allerede er sendt ind, blev skrevet uden.",
        "Showing authors' names can only be turned on before the campaign opens: the ideas "
        "sent in so far were written without it."),
    "opens_in_past": ("Det nye åbningstidspunkt er passeret. Vælg nu eller senere.",
                      "The new opening has already passed. Choose now or later."),
    "closes_in_past": ("Det nye lukketidspunkt er passeret. Vælg et tidspunkt, der ligger "
                       "forude.",
                       "The new close has already passed. Choose a time still ahead."),
    "closes_before_opens": ("Lukketidspunktet skal ligge efter åbningstidspunktet.",
                            "The close must come after the opening."),
    "campaign_too_long": ("En kampagne kan højst være åben i to år.",
                          "A campaign may stay open for at most two years."),
    "unknown_idea": ("Idéen findes ikke.", "The idea does not exist."),
    # votes
    "budget_exceeded": ("Du har ikke flere stemmer tilbage i denne kampagne.",
                        "You have no votes left in this campaign."),
    "idea_not_votable": ("Der kan ikke stemmes på idéen nu.", "The idea cannot be voted on now."),
    "idea_not_published": ("Idéen er ikke offentliggjort.", "The idea is not published."),
    "no_active_vote": ("Du har ingen stemme på idéen at trække tilbage.",
                       "You have no vote on this idea to withdraw."),
    "invalid_value": ("Stemmen kan kun være for eller imod.", "A vote is either for or against."),
    "wrong_campaign": ("Stemmen hører til en anden kampagne.",
                       "The vote belongs to another campaign."),
    "merged_duplicate": ("Idéen blev lagt sammen med en, du allerede havde stemt på.",
                         "The idea was merged into one you had already voted for."),
    "vote_not_held": ("Stemmen er ikke tilbageholdt (længere).", "The vote is not held (any more)."),
    "actor_mismatch": ("Handlingen blev sendt af en anden end den, den gælder.",
                       "The action was sent by someone other than the one it concerns."),
    "client_burst": ("Mange stemmer fra samme enhed på kort tid.",
                     "Many votes from one device in a short time."),
    "identical_ballots": ("Flere nye deltagere afgav præcis de samme stemmer på kort tid.",
                          "Several new participants cast exactly the same votes in a short "
                          "time."),
    "duplicate": ("Du har allerede en stemme på idéen.", "You already have a vote on the idea."),
    # vote receipts (the page "Tjek min stemme")
    "receipt_empty": ("Indsæt en kvittering, eller vælg kvitteringsfilen.",
                      "Paste a receipt, or choose the receipt file."),
    "receipt_not_json": ("Det indsatte er ikke en kvittering: teksten er ikke gyldig JSON. "
                         "Indsæt hele indholdet af kvitteringsfilen.",
                         "What you pasted is not a receipt: the text is not valid JSON. Paste "
                         "the whole content of the receipt file."),
    "receipt_unreadable": ("Det indsatte ligner ikke en kvittering fra Idéstorm: der mangler "
                           "felter, eller de har forkerte værdier.",
                           "What you pasted does not look like an Ideastorm receipt: fields are "
                           "missing or have wrong values."),
    "receipt_not_genuine": ("Kvitteringen er ikke ægte: signaturen passer ikke til indholdet. "
                            "Den er blevet ændret, eller den er ikke udstedt af Idéstorm.",
                            "The receipt is not genuine: its signature does not match its "
                            "content. It was changed, or it was not issued by Ideastorm."),
    "receipt_not_found": ("Vi fandt ingen kvittering med det id blandt dine stemmer. Indsæt "
                          "kvitteringen i stedet.", "We found no receipt with that id among "
                          "your votes. Paste the receipt instead."),
    # selection and reports
    "unknown_rule": ("Reglen for udvælgelse findes ikke.", "The selection rule does not exist."),
    "budget_required": ("Kampagnen har intet budget at udvælge inden for.",
                        "The campaign has no budget to select within."),
    "negative_budget": ("Budgettet kan ikke være negativt.", "The budget cannot be negative."),
    "negative_min_votes": ("Mindste antal stemmer kan ikke være negativt.",
                           "The fewest votes cannot be negative."),
    "invalid_range": ("Perioden er ikke gyldig: slutdatoen skal ligge efter startdatoen.",
                      "The period is not valid: the end must come after the start."),
    "invalid_quarter": ("Kvartalet skal skrives som 2026-Q4.", "Write the quarter as 2026-Q4."),
    "invalid_lang": ("Sproget findes ikke.", "That language is not available."),
    "empty_quarter": ("Der er ingen data for kvartalet endnu, så der kan ikke dannes en rapport.",
                      "There is no data for the quarter yet, so no report can be made."),
    "unknown_format": ("Formatet findes ikke.", "That format is not available."),
    "quarter_not_ended": ("Kvartalet er ikke slut endnu. Du kan bestille en foreløbig rapport.",
                          "The quarter has not ended yet. You can ask for a draft report."),
    "quarter_ended": ("Kvartalet er slut, så rapporten dannes som endelig, ikke som foreløbig.",
                      "The quarter has ended, so the report is made final, not as a draft."),
    "campaign_open": ("Kampagnen er stadig åben. Beregningen kan først laves, når den er lukket.",
                      "The campaign is still open. This can only be worked out once it has "
                      "closed."),
    "what_if_pending": ("Beregningen er ikke færdig endnu. Prøv igen om lidt.",
                        "The calculation is not finished yet. Please try again shortly."),
    "selection_pending": ("Udvælgelsen bliver beregnet nu. Prøv igen om lidt.",
                          "The selection is being computed now. Please try again shortly."),
    "selection_campaign_busy": ("Der bliver allerede beregnet flere udvælgelser for denne "
                                "kampagne. Prøv igen om lidt.",
                                "Several selections for this campaign are already being "
                                "computed. Please try again shortly."),
    "selection_caller_busy": ("Du har allerede bedt om flere udvælgelser, som bliver beregnet "
                              "nu. Vent, til de er færdige.",
                              "You have already asked for several selections that are being "
                              "computed. Wait until they are done."),
    "not_rendered": ("Rapporten er ikke dannet i det format endnu.",
                     "The report is not made in that format yet."),
    # the action plan
    "unknown_plan": ("Der er ingen handlingsplan for året.", "There is no action plan for the year."),
    "unknown_initiative": ("Indsatsen findes ikke.", "The initiative does not exist."),
    "unknown_track": ("Sporet findes ikke i planen.", "The track is not in the plan."),
    "unknown_goal": ("Målet findes ikke i indsatsen.", "The goal is not in the initiative."),
    "unknown_milestone": ("Milepælen findes ikke i indsatsen.",
                          "The milestone is not in the initiative."),
    "unknown_risk": ("Risikoen findes ikke.", "The risk does not exist."),
    "unknown_decision": ("Beslutningen findes ikke.", "The decision does not exist."),
    "unknown_option": ("Valgmuligheden findes ikke.", "The option does not exist."),
    "already_drafted": ("Der er allerede en plan for året.", "There is already a plan for the year."),
    "already_defined": ("Indsatsen findes allerede.", "The initiative already exists."),
    "already_requested": ("Beslutningen er allerede bedt om.", "The decision was already asked for."),
    "already_decided": ("Der er allerede truffet en afgørelse.", "It has already been decided."),
    "already_raised": ("Risikoen er allerede registreret.", "The risk is already recorded."),
    "initiative_closed": ("Indsatsen er afsluttet og kan ikke ændres.",
                          "The initiative is closed and cannot be changed."),
    "already_adopted": ("Idéen er allerede optaget i denne indsats.",
                        "The idea has already been adopted into this initiative."),
    "completed_milestone_removed": ("En gennemført milepæl kan ikke fjernes.",
                                    "A completed milestone cannot be removed."),
    "dated_in_future": ("Datoen ligger i fremtiden.", "The date is in the future."),
    "before_plan": ("Datoen ligger før planens år.", "The date is before the plan's year."),
    "implausible_date": ("Datoen er ikke troværdig.", "The date is not plausible."),
    "year_changed": ("Året kan ikke ændres.", "The year cannot be changed."),
    "unexpected_type": ("Værdien har en forkert type.", "The value has the wrong type."),
    # comments on ideas
    "comment_not_published": ("Kommentaren er ikke offentliggjort.",
                              "The comment is not published."),
    "comment_already_flagged": ("Du har allerede anmeldt denne kommentar.",
                                "You have already flagged this comment."),
    "own_comment": ("Du kan ikke anmelde din egen kommentar.",
                    "You cannot flag your own comment."),
    "not_comment_author": ("Kun kommentarens forfatter kan slette den.",
                           "Only the comment's author may delete it."),
    "reply_to_reply": ("Du kan kun svare på en kommentar, ikke på et svar.",
                       "You can reply to a comment, not to a reply."),
    "parent_not_published": ("Kommentaren, du svarer på, er ikke offentliggjort.",
                             "The comment you reply to is not published."),
    "unknown_parent": ("Kommentaren, du svarer på, findes ikke under denne idé.",
                       "The comment you reply to does not exist under this idea."),
    "comment_decision_not_applicable": ("Afgørelsen passer ikke til kommentarens status nu. "
                                        "Genindlæs køen.",
                                        "The decision does not fit the comment's status now. "
                                        "Reload the queue."),
    # following and notifications
    "bad_unsubscribe_token": ("Linket til at afmelde e-mails er ikke gyldigt. Brug linket i den"
                              " nyeste e-mail, eller skift valget under din profil.",
                              "The link to stop e-mails is not valid. Use the link in the latest"
                              " e-mail, or change your choice on your profile."),
}

# A field's problem, from pydantic's message, in words (the first pattern that matches).
FIELD_PROBLEMS: list[tuple[re.Pattern[str], tuple[str, str]]] = [
    (re.compile(r"at least 1 (character|item)"), ("skal udfyldes", "must be filled in")),
    (re.compile(r"at least (\d+) item"), ("skal have mindst %s", "must have at least %s")),
    (re.compile(r"option labels must be distinct"), ("skal have forskellige navne",
                                                     "must have different names")),
    (re.compile(r"for_meeting_on must not be before"), ("må ikke ligge før den dag, der blev "
                                                        "bedt om beslutningen",
                                                        "must not come before the day the "
                                                        "decision was asked for")),
    (re.compile(r"valid UUID"), ("skal vælges", "must be chosen")),
    (re.compile(r"at least (\d+) character"), ("skal være mindst %s tegn", "must be at least %s "
                                                                           "characters")),
    (re.compile(r"at most (\d+) character"), ("må højst være %s tegn",
                                              "must be at most %s characters")),
    (re.compile(r"at most (\d+) item"), ("må højst have %s", "may have at most %s")),
    (re.compile(r"greater than or equal to (-?\d+)"), ("skal være mindst %s",
                                                       "must be at least %s")),
    (re.compile(r"less than or equal to (-?\d+)"), ("må højst være %s", "must be at most %s")),
    (re.compile(r"valid integer|valid number"), ("skal være et tal", "must be a number")),
    (re.compile(r"[Ff]ield required|[Mm]issing"), ("skal udfyldes", "must be filled in")),
    (re.compile(r"date|datetime"), ("skal være en gyldig dato", "must be a valid date")),
    (re.compile(r"closes_at must be after"), ("skal ligge efter åbningen",
                                              "must come after the opening")),
]


@dataclass
class Explained:
    """An API refusal for a page: one sentence for the summary, and a message per form field."""

    summary: str
    fields: dict[str, str] = field(default_factory=dict)


def sentence(code: str, lang: str) -> str:
    pair = MESSAGES.get(code) or MESSAGES["error"]
    return pair[0] if lang == "da" else pair[1]


def field_problem(problem: str, lang: str) -> str:
    for pattern, (da, en) in FIELD_PROBLEMS:
        m = pattern.search(problem)
        if m:
            text = da if lang == "da" else en
            return text % m.group(1) if "%s" in text else text
    return "er ikke gyldig" if lang == "da" else "is not valid"


def explain(reply: Reply, lang: str, fields: dict[str, str] | None = None) -> Explained:
    """`fields` maps the API's field names (`title`, `vote_rules.max_votes_per_participant`) to
    the labels of the form's fields; problems with fields a form does not have join the summary.
    A message the API gives for a field the form has is shown beside that field."""
    code = reply.code or ("rate_limited" if reply.status == 429 else "error")
    out = Explained(sentence(code, lang))
    detail = reply.body.get("detail") if isinstance(reply.body, dict) else None
    problems: list[Any] = detail.get("errors", []) if isinstance(detail, dict) else []
    if code == "invalid_request" and not problems and "not valid: " in reply.message:
        # a rule checked after parsing says "the request is not valid: where: problem; ..."
        for part in reply.message.split("not valid: ", 1)[1].split("; "):
            where, _, problem = part.partition(": ")
            problems.append({"where": where, "problem": problem or where})
    labels = fields or {}
    unplaced: list[str] = []
    for p in problems:
        where = str(p.get("where", ""))
        where = "" if where == "body" else where.removeprefix("body.")
        text = field_problem(str(p.get("problem", "")), lang)
        name = next((k for k in labels if where == k or where.startswith(k + ".")), None)
        if name is not None and name not in out.fields:
            out.fields[name] = f"{labels[name]} {text}."
        elif name is None:
            unplaced.append(text)
    if unplaced and not out.fields:
        out.summary = f"{out.summary} ({unplaced[0]})"
    return out
