"""The action plan's change feed in words: each entry's type and its fact's own fields
(`details`, as the API gives them) as a Danish (or English) sentence, with Danish number and
date formats. The API's English `summary` is for programs and is never read back here."""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from services.web import i18n

# event type -> (Danish, English); each {field} is a field of the fact, formatted by its kind
SENTENCES: dict[str, tuple[str, str]] = {
    "plan.drafted": ("Planen er oprettet: {title}", "The plan was drafted: {title}"),
    "plan.approved": ("Planen er godkendt den {approved_on}",
                      "The plan was approved on {approved_on}"),
    "plan.budget_approved": ("Budgettet er godkendt: {amount_dkk}",
                             "The budget was approved: {amount_dkk}"),
    "initiative.defined": ("Indsatsen er oprettet med et budget på {budget_dkk}",
                           "The initiative was defined with a budget of {budget_dkk}"),
    "initiative.revised": ("Indsatsen er ændret: {reason}", "The initiative was revised: {reason}"),
    "initiative.closed": ("Indsatsen er afsluttet den {closed_on}",
                          "The initiative was closed on {closed_on}"),
    "progress.reported": ("Fremdrift {percent} pr. {as_of}, vurderet {rag}",
                          "Progress {percent} as of {as_of}, rated {rag}"),
    "progress.milestone_completed": ("Milepælen \u201c{milestone_id}\u201d er nået den "
                                     "{completed_on}",
                                     "Milestone \u201c{milestone_id}\u201d was reached on "
                                     "{completed_on}"),
    "progress.goal_measured": ("Målet \u201c{goal_id}\u201d er målt til {value} den "
                               "{measured_on}",
                               "Goal \u201c{goal_id}\u201d was measured at {value} on "
                               "{measured_on}"),
    "progress.idea_adopted": ("En idé er taget med i indsatsen",
                              "An idea was adopted into the initiative"),
    "progress.spend_reported": ("Forbruget er opgjort til {spent_dkk} pr. {as_of}, prognose "
                                "for året {forecast_dkk}",
                                "Spending was {spent_dkk} as of {as_of}, forecast for the "
                                "year {forecast_dkk}"),
    "risk.raised": ("Risiko registreret: {title}", "Risk recorded: {title}"),
    "risk.assessed": ("Risikoen \u201c{risk_id}\u201d er vurderet igen den {assessed_on}",
                      "Risk \u201c{risk_id}\u201d was assessed again on {assessed_on}"),
    "risk.closed": ("Risikoen \u201c{risk_id}\u201d er lukket den {closed_on}",
                    "Risk \u201c{risk_id}\u201d was closed on {closed_on}"),
    "exception.reported": ("Afvigelsesrapport ({breach}) afgivet den {reported_on}",
                           "Exception report ({breach}) made on {reported_on}"),
    "steering.meeting_held": ("Styregruppemøde holdt den {held_on}",
                              "Steering-group meeting held on {held_on}"),
    "report.published": ("En kvartalsrapport er offentliggjort",
                         "A quarterly report was published"),
}

RAG = {"green": ("grøn", "green"), "amber": ("gul", "amber"), "red": ("rød", "red")}
BREACH = {"schedule": ("tid", "schedule"), "cost": ("omkostning", "cost"),
          "forecast": ("prognose", "forecast")}


def in_words(entry: dict[str, Any], lang: str) -> str:
    """The entry as a sentence; a type without one reads as the API's summary."""
    known = SENTENCES.get(str(entry.get("type", "")))
    if known is None:
        return str(entry.get("summary", ""))
    text = known[0] if lang == "da" else known[1]
    details = entry.get("details") or {}
    fields = [name for _, name, _, _ in string.Formatter().parse(text) if name]
    if any(details.get(name) is None for name in fields):  # every one is required in its event
        return str(entry.get("summary", ""))
    return text.format(**{name: _formatted(name, details[name], lang) for name in fields})


def _formatted(name: str, value: Any, lang: str) -> str:
    for ends, form in FORMS:
        if name.endswith(ends) or name == ends:
            try:
                return form(value, lang)
            except (TypeError, ValueError):
                return str(value)
    return str(value)


def _pair(table: dict[str, tuple[str, str]]) -> Callable[[Any, str], str]:
    def form(value: Any, lang: str) -> str:
        pair = table.get(str(value))
        return (pair[0] if lang == "da" else pair[1]) if pair else str(value)
    return form


def _measure(value: Any, lang: str) -> str:
    v = float(value)
    return i18n.num(v, lang, 0 if v.is_integer() else 1)


# how a field is put in words, by its name (its ending for the families of fields)
FORMS: tuple[tuple[str, Callable[[Any, str], str]], ...] = (
    ("_on", lambda v, lang: i18n.day(str(v), lang)),
    ("as_of", lambda v, lang: i18n.day(str(v), lang)),
    ("_dkk", lambda v, lang: i18n.kr(int(v), lang)),
    ("percent", lambda v, lang: i18n.pct(float(v), lang)),
    ("rag", _pair(RAG)),
    ("breach", _pair(BREACH)),
    ("value", _measure),
)
