"""Labels and number/date formatting for the report, in Danish (default) and English.

No dependence on the `locale` module: the output must not change with the machine's settings.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal
from zoneinfo import ZoneInfo

_LOCAL = ZoneInfo("Europe/Copenhagen")

Lang = Literal["da", "en"]
LANGUAGES: tuple[Lang, ...] = ("da", "en")
DEFAULT_LANG: Lang = "da"

_MONTHS = {
    "da": ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}
_SHORT_MONTHS = {
    "da": ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.",
           "nov.", "dec."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

LABELS: dict[str, tuple[str, str]] = {
    # key: (Danish, English)
    "title": ("Statusrapport til styregruppen", "Steering-group status report"),
    "quarter": ("Kvartal", "Quarter"),
    "plan": ("Handlingsplan", "Action plan"),
    "period": ("Periode", "Period"),
    "cutoff": ("Hændelser før", "Events before"),
    "fingerprint": ("Hændelser (antal og hash af id'er)", "Events (count and hash of ids)"),
    "previous_fingerprint": ("Forrige kvartals hændelser", "Previous quarter's events"),
    "content_hash": ("Indholdshash", "Content hash"),
    "events": ("hændelser", "events"),
    "summary": ("Sammenfatning", "Summary"),
    "rag_distribution": ("Indsatser efter status", "Initiatives by status"),
    "changes": ("Ændringer siden forrige kvartal", "Changes since the previous quarter"),
    "no_changes": ("Ingen ændringer.", "No changes."),
    "progress": ("Fremdrift", "Progress"),
    "tracks": ("Spor og indsatser", "Tracks and initiatives"),
    "initiative": ("Indsats", "Initiative"),
    "done": ("Færdig", "Done"),
    "expected": ("Forventet", "Expected"),
    "status": ("Status", "Status"),
    "previous": ("forrige kvartal", "previous quarter"),
    "narrative": ("Seneste beretning", "Latest narrative"),
    "no_narrative": ("Ingen beretning endnu.", "No narrative yet."),
    "milestones_completed": ("Milepæle nået i kvartalet", "Milestones completed this quarter"),
    "milestones_overdue": ("Milepæle over tid", "Milestones overdue"),
    "milestones_due_next": ("Milepæle i næste kvartal", "Milestones due next quarter"),
    "milestone": ("Milepæl", "Milestone"),
    "due": ("Frist", "Due"),
    "completed": ("Nået", "Completed"),
    "goals": ("Mål", "Goals"),
    "goal": ("Mål", "Goal"),
    "indicator": ("Indikator", "Indicator"),
    "baseline": ("Udgangspunkt", "Baseline"),
    "target": ("Målsætning", "Target"),
    "actual": ("Resultat", "Actual"),
    "met": ("nået", "met"),
    "not_met": ("ikke nået", "not met"),
    "none": ("Ingen.", "None."),
    "adopted_ideas": ("Idéer optaget i indsatser", "Ideas adopted into initiatives"),
    "ideastorms": ("Idéstorme", "Ideastorms"),
    "no_campaigns": ("Ingen idéstorme var aktive i kvartalet.",
                     "No ideastorm campaigns were active in the quarter."),
    "campaign": ("Idéstorm", "Campaign"),
    "window": ("Åben", "Open"),
    "participants": ("Deltagere", "Participants"),
    "sector": ("Sektor", "Sector"),
    "participants_by_sector": ("Deltagere efter sektor", "Participants by sector"),
    "ideas_submitted": ("Idéer indsendt", "Ideas submitted"),
    "ideas_published": ("Idéer offentliggjort", "Ideas published"),
    "ideas_rejected": ("Idéer afvist", "Ideas rejected"),
    "votes": ("Stemmer", "Votes"),
    "votes_over_time": ("Stemmer pr. dag", "Votes per day"),
    "top_ideas": ("De ti mest støttede idéer", "The ten most supported ideas"),
    "rank": ("Nr.", "Rank"),
    "idea": ("Idé", "Idea"),
    "adopted_into": ("Optaget i", "Adopted into"),
    "adopted_on": ("Dato", "Date"),
    "moderation": ("Moderation", "Moderation"),
    "decisions_by_type": ("Afgørelser efter type", "Decisions by type"),
    "decisions_in_quarter": ("Afgørelser i kvartalet", "Decisions in the quarter"),
    "decision": ("Afgørelse", "Decision"),
    "count": ("Antal", "Count"),
    "queue_at_end": ("Idéer i moderationskøen ved kvartalets udgang",
                     "Ideas in the moderation queue at quarter end"),
    "median_time": ("Mediantid til afgørelse", "Median time to a decision"),
    "hours": ("timer", "hours"),
    "budget": ("Budget og finansiering", "Budget and funding"),
    "budget_total": ("Budget i alt", "Total budget"),
    "spent": ("Forbrugt", "Spent"),
    "party": ("Part", "Party"),
    "amount": ("Beløb", "Amount"),
    "share": ("Andel", "Share"),
    "decision_items": ("Til beslutning i styregruppen", "For the steering group to decide"),
    "no_decision_items": ("Ingen punkter til beslutning.", "No items for decision."),
    "appendix": ("Bilag: datagrundlag for hvert tal", "Appendix: the events behind every figure"),
    "figure": ("Tal", "Figure"),
    "appendix_note": ("Hvert tal er beregnet af hændelserne nedenfor: antal, SHA-256 af deres "
                      "sorterede id'er og, når de er få, id'erne selv.",
                      "Every figure was computed from the events below: their count, the SHA-256 "
                      "of their sorted ids and, when there are few, the ids themselves."),
    "subject": ("Vedrører", "About"),
    "event_types": ("Hændelsestyper", "Event types"),
    "event_ids": ("Hændelses-id'er", "Event ids"),
    "page": ("Side", "Page"),
    "not_available": ("–", "–"),
    # RAG
    "rag.green": ("Grøn", "Green"),
    "rag.amber": ("Gul", "Amber"),
    "rag.red": ("Rød", "Red"),
    "rag.none": ("Ikke vurderet", "Not rated"),
    # sectors
    "sector.state": ("Stat", "State"),
    "sector.municipality": ("Kommune", "Municipality"),
    "sector.region": ("Region", "Region"),
    "sector.private": ("Privat", "Private"),
    "sector.citizen": ("Borger", "Citizen"),
    "sector.unknown": ("Ikke oplyst", "Not stated"),
    # funding parties
    "party.state": ("Staten", "State"),
    "party.municipalities": ("Kommunerne (KL)", "Municipalities (KL)"),
    "party.regions": ("Regionerne", "Regions"),
    # moderation decisions
    "decision.approve": ("Godkendt", "Approved"),
    "decision.reject": ("Afvist", "Rejected"),
    "decision.hide": ("Skjult", "Hidden"),
    "decision.restore": ("Genskabt", "Restored"),
    "decision.merge": ("Sammenlagt", "Merged"),
    # idea status
    "idea_status.pending": ("Afventer", "Pending"),
    "idea_status.published": ("Offentliggjort", "Published"),
    "idea_status.hidden": ("Skjult", "Hidden"),
    "idea_status.rejected": ("Afvist", "Rejected"),
    "idea_status.merged": ("Sammenlagt", "Merged"),
    "idea_status.withdrawn": ("Trukket tilbage", "Withdrawn"),
    "idea_status.adopted": ("Optaget", "Adopted"),
    # changes since last quarter
    "change.rag_changed": ("Status ændret", "Status changed"),
    "change.initiative_added": ("Ny indsats", "New initiative"),
    "change.milestone_completed": ("Milepæl nået", "Milestone completed"),
    "change.milestone_overdue": ("Milepæl over tid", "Milestone overdue"),
    "change.goal_met": ("Mål nået", "Goal met"),
    "change.idea_adopted": ("Idé optaget", "Idea adopted"),
    # items for decision
    "decision_kind.open_item": ("Forelagt på mødet, endnu ikke besluttet",
                                "Put to the meeting, not yet decided"),
    "decision_kind.red_initiative": ("Opfølgning på indsats med rød status",
                                     "Follow-up on an initiative rated red"),
    "decision_kind.plan_not_approved": ("Godkendelse af handlingsplanen",
                                        "Approval of the action plan"),
    "decision_kind.budget_not_approved": ("Godkendelse af budgettet", "Approval of the budget"),
    # appendix figures
    "figure.plan": ("Handlingsplan, spor og indsatser", "Action plan, tracks and initiatives"),
    "figure.progress": ("Fremdrift og status", "Progress and status"),
    "figure.milestones": ("Milepæle", "Milestones"),
    "figure.goals": ("Mål", "Goals"),
    "figure.campaign": ("Idéstorm: idéer og deltagere", "Campaign: ideas and participants"),
    "figure.votes": ("Stemmer og top ti", "Votes and top ten"),
    "figure.adoptions": ("Optagne idéer", "Adopted ideas"),
    "figure.moderation": ("Moderation", "Moderation"),
    "figure.budget": ("Budget og finansiering", "Budget and funding"),
    "figure.decisions": ("Punkter til beslutning", "Items for decision"),
}


def t(lang: Lang, key: str) -> str:
    """The label for `key`; an unknown key is shown as itself so nothing is silently dropped."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "da" else pair[1]


def _group(digits: str, sep: str) -> str:
    out: list[str] = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return sep.join(out)


def fmt_number(value: float | int, lang: Lang, decimals: int = 0) -> str:
    """287475 -> "287.475" (da) / "287,475" (en); halves round away from zero."""
    quant = Decimal(1).scaleb(-decimals)
    rounded = Decimal(str(value)).quantize(quant, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _, frac = f"{abs(rounded):.{decimals}f}".partition(".")
    thousands, point = (".", ",") if lang == "da" else (",", ".")
    text = _group(whole, thousands)
    if decimals:
        text += point + frac
    return sign + text


def fmt_percent(value: float | None, lang: Lang, decimals: int = 0) -> str:
    """42.5 -> "42,5 %" (da) / "42.5%" (en)."""
    if value is None:
        return t(lang, "not_available")
    number = fmt_number(value, lang, decimals)
    return f"{number} %" if lang == "da" else f"{number}%"


def fmt_dkk(amount: int, lang: Lang) -> str:
    """9000000 -> "9.000.000 kr." (da) / "DKK 9,000,000" (en)."""
    return f"{fmt_number(amount, lang)} kr." if lang == "da" else f"DKK {fmt_number(amount, lang)}"


def fmt_date(value: date, lang: Lang) -> str:
    """2025-06-30 -> "30. juni 2025" (da) / "30 June 2025" (en)."""
    month = _MONTHS[lang][value.month - 1]
    if lang == "da":
        return f"{value.day}. {month} {value.year}"
    return f"{value.day} {month} {value.year}"


def fmt_short_date(value: date, lang: Lang) -> str:
    """2025-06-03 -> "3. jun." (da) / "3 Jun" (en): chart axis labels."""
    month = _SHORT_MONTHS[lang][value.month - 1]
    return f"{value.day}. {month}" if lang == "da" else f"{value.day} {month}"


def fmt_datetime(value: datetime, lang: Lang) -> str:
    """An instant in Danish time: "1. juli 2025 kl. 00:00 (dansk tid)" /
    "1 July 2025 00:00 (Danish time)"."""
    value = value.astimezone(_LOCAL)
    hm = f"{value.hour:02d}:{value.minute:02d}"
    day = fmt_date(value.date(), lang)
    return f"{day} kl. {hm} (dansk tid)" if lang == "da" else f"{day} {hm} (Danish time)"


def fmt_quarter(quarter: str, lang: Lang) -> str:
    """"2025Q2" -> "2. kvartal 2025" (da) / "Q2 2025" (en)."""
    year, _, number = quarter.partition("Q")
    return f"{number}. kvartal {year}" if lang == "da" else f"Q{number} {year}"


def fmt_value(value: float | None, unit: str, lang: Lang) -> str:
    """A goal's value with its unit; whole numbers without decimals."""
    if value is None:
        return t(lang, "not_available")
    decimals = 0 if float(value).is_integer() else 1
    if unit == "%":
        return fmt_percent(value, lang, decimals)
    number = fmt_number(value, lang, decimals)
    return f"{number} {unit}".strip()
