"""The action plan's change feed in words: each entry's type and figures as a Danish (or English)
sentence, with Danish number and date formats. The API's `summary` is a one-line English note
for programs; its figures are read back here by the entry's type."""

from __future__ import annotations

import re
from typing import Any

from services.web import i18n

# event type -> (pattern over the API's summary, Danish, English); named groups fill the text
SENTENCES: dict[str, tuple[str, str, str]] = {
    "plan.drafted": (r"plan drafted: (?P<title>.*) \((?P<tracks>.*)\)$",
                     "Planen er oprettet: {title} (spor: {tracks})",
                     "The plan was drafted: {title} (tracks: {tracks})"),
    "plan.approved": (r"approved on (?P<day>\S+)", "Planen er godkendt den {day}",
                      "The plan was approved on {day}"),
    "plan.budget_approved": (r"DKK (?P<kr>[\d,]+)", "Budgettet er godkendt: {kr}",
                             "The budget was approved: {kr}"),
    "initiative.defined": (r"defined: (?P<title>.*) \(DKK (?P<kr>[\d,]+)\)$",
                           "Indsatsen er oprettet med et budget på {kr}",
                           "The initiative was defined with a budget of {kr}"),
    "initiative.revised": (r"revised: (?P<reason>.*)$", "Indsatsen er ændret: {reason}",
                           "The initiative was revised: {reason}"),
    "initiative.closed": (r"closed on (?P<day>\S+)", "Indsatsen er afsluttet den {day}",
                          "The initiative was closed on {day}"),
    "progress.reported": (r"progress (?P<pct>[\d.]+) % \((?:owner's rating )?(?P<rag>\w+)\) "
                          r"as of (?P<day>\S+)",
                          "Fremdrift {pct} pr. {day}, vurderet {rag}",
                          "Progress {pct} as of {day}, rated {rag}"),
    "progress.milestone_completed": (r"milestone (?P<what>.*) completed on (?P<day>\S+)",
                                     "Milepælen \u201c{what}\u201d er nået den {day}",
                                     "Milestone \u201c{what}\u201d was reached on {day}"),
    "progress.goal_measured": (r"goal (?P<what>\S+) measured (?P<value>\S+) on (?P<day>\S+)",
                               "Målet \u201c{what}\u201d er målt til {value} den {day}",
                               "Goal \u201c{what}\u201d was measured at {value} on {day}"),
    "progress.idea_adopted": (r"idea (?P<what>\S+) adopted", "En idé er taget med i indsatsen",
                              "An idea was adopted into the initiative"),
    "progress.spend_reported": (r"", "Forbruget er opgjort", "Spending was reported"),
    "risk.raised": (r"", "En risiko er registreret", "A risk was recorded"),
    "risk.assessed": (r"", "En risiko er vurderet igen", "A risk was assessed again"),
    "risk.closed": (r"", "En risiko er lukket", "A risk was closed"),
    "steering.meeting_held": (r"held on (?P<day>\S+)", "Styregruppemøde holdt den {day}",
                              "Steering-group meeting held on {day}"),
    "report.published": (r"", "En kvartalsrapport er offentliggjort",
                         "A quarterly report was published"),
}

RAG = {"green": ("grøn", "green"), "amber": ("gul", "amber"), "red": ("rød", "red")}


def in_words(entry: dict[str, Any], lang: str) -> str:
    kind = str(entry.get("type", ""))
    summary = str(entry.get("summary", ""))
    known = SENTENCES.get(kind)
    if known is None:
        return summary
    pattern, da, en = known
    m = re.search(pattern, summary) if pattern else None
    values = {k: _value(k, x, lang) for k, x in (m.groupdict() if m else {}).items()}
    text = da if lang == "da" else en
    try:
        return text.format(**values)
    except KeyError:  # the summary did not say what the sentence needs
        return re.sub(r"[:(]? ?\{\w+\}\)?", "", text).strip()


def _value(key: str, raw: str, lang: str) -> str:
    if key == "day":
        try:
            return i18n.day(raw, lang)
        except ValueError:
            return raw
    if key == "kr":
        return i18n.kr(int(raw.replace(",", "")), lang)
    if key == "pct":
        return i18n.pct(float(raw), lang)
    if key == "rag":
        pair = RAG.get(raw)
        return (pair[0] if lang == "da" else pair[1]) if pair else raw
    if key == "value":
        try:
            return i18n.num(float(raw), lang, 0 if float(raw).is_integer() else 1)
        except ValueError:
            return raw
    return raw
