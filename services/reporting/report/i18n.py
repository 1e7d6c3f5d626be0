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
    "cutoff": ("Data til og med (hændelser før)", "Data up to (events before)"),
    "fingerprint": ("Hændelser (antal og hash af id'er)", "Events (count and hash of ids)"),
    "previous_fingerprint": ("Forrige kvartals hændelser", "Previous quarter's events"),
    "content_hash": ("Indholdshash", "Content hash"),
    "log_heads": ("Signerede hoveder af stemmeloggen ved skæringstid",
                  "Signed heads of the vote log at the cut-off"),
    "log_head": ("{log}/{partition}: {size} hændelser, rod {root}…, signeret {at}",
                 "{log}/{partition}: {size} events, root {root}…, signed {at}"),
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
    "no_decision_items": ("Ingen punkter er forelagt styregruppen til beslutning.",
                          "No items have been put to the steering group for decision."),
    "appendix": ("Bilag: datagrundlag for hvert tal", "Appendix: the events behind every figure"),
    "figure": ("Tal", "Figure"),
    "appendix_note": ("Hvert tal er beregnet af hændelserne nedenfor: antal, SHA-256 af deres "
                      "sorterede id'er og, når de er få, id'erne selv.",
                      "Every figure was computed from the events below: their count, the SHA-256 "
                      "of their sorted ids and, when there are few, the ids themselves."),
    "subject": ("Vedrører", "About"),
    "event_types": ("Hændelsestyper", "Event types"),
    "event_ids": ("Hændelses-id'er", "Event ids"),
    # page one
    "front_page": ("Resumé og indstilling", "Summary and recommendations"),
    "overall_status": ("Samlet status", "Overall status"),
    "overall_basis.worst": (
        "den dårligste af ejernes og den beregnede status for indsatserne; beregnet: grøn ved "
        "afvigelse fra den godkendte plan (tid eller økonomi) inden for {amber}, gul op til "
        "{red}, rød derover ({source})",
        "the worst of the owners' and the computed status of the initiatives; computed: green "
        "when the deviation from the approved plan (schedule or cost) is within {amber}, amber "
        "up to {red}, red beyond ({source})"),
    "overall_basis": ("Grundlag", "Basis"),
    "tolerance_source.default": ("It-rådets trafiklys, standard", "the IT Council's traffic "
                                 "light, the default"),
    "tolerance_source.plan": ("handlingsplanens egne tolerancer", "the plan's own tolerances"),
    "key_messages": ("Hovedbudskaber", "Key messages"),
    "message.nothing_to_report": (
        "Der er ikke registreret nogen hændelser i kvartalet: rapporten kan ikke bruges som "
        "udtryk for, at alt er i orden.",
        "No event was recorded in the quarter: this report is no evidence that all is well."),
    "message.no_plan": ("Der er ingen handlingsplan for året.", "There is no plan for the year."),
    "message.decisions_for_meeting.one": (
        "Styregruppen bedes tage stilling til ét punkt på mødet {subject} (nedenfor).",
        "The steering group is asked to decide one item at the meeting on {subject} (below)."),
    "message.decisions_for_meeting.other": (
        "Styregruppen bedes tage stilling til {n} punkter fra mødet {subject} (nedenfor).",
        "The steering group is asked to decide {n} items from the meeting on {subject} "
        "(below)."),
    "message.initiatives_red": ("Rød status: {subject}.", "Red: {subject}."),
    "message.initiatives_amber": ("Gul status: {subject}.", "Amber: {subject}."),
    "message.plan_not_approved": ("Handlingsplanen er ikke godkendt.",
                                  "The action plan is not approved."),
    "message.forecast_over_budget": ("Prognosen overskrider budgettet med {subject}.",
                                     "The forecast exceeds the budget by {subject}."),
    "message.goals_off_track.one": ("Et mål er ikke på sporet: {subject}.",
                                    "One goal is off track: {subject}."),
    "message.goals_off_track.other": ("{n} mål er ikke på sporet: {subject}.",
                                      "{n} goals are off track: {subject}."),
    "message.rag_differs": (
        "Ejerens og den beregnede status er forskellige for: {subject}.",
        "The owner's and the computed status differ for: {subject}."),
    "message.milestones_overdue.one": ("En milepæl er over tid.", "One milestone is overdue."),
    "message.milestones_overdue.other": ("{n} milepæle er over tid.",
                                         "{n} milestones are overdue."),
    "message.on_plan": ("Alle indsatser følger planen inden for tolerancerne.",
                        "Every initiative is on plan within the tolerances."),
    "nothing_to_report_long": (
        "Intet at rapportere: der er ikke registreret nogen hændelser i kvartalet.",
        "Nothing to report: no event was recorded in the quarter."),
    "for_decision": ("Til beslutning", "For decision"),
    "decision_status.open": ("til mødet {day}", "for the meeting on {day}"),
    "decision_status.overdue": ("var sat til mødet {day}, endnu ikke besluttet",
                                "was due at the meeting on {day}, not yet decided"),
    "recommendation": ("Indstilling", "Recommendation"),
    "option": ("Mulighed", "Option"),
    "consequence": ("Konsekvens", "Consequence"),
    "decisions_taken": ("Opfølgning: besluttet i kvartalet", "Follow-up: decided this quarter"),
    "decision_item": ("Punkt", "Item"),
    "decided_on": ("Besluttet", "Decided"),
    "chosen": ("Valgt", "Chosen"),
    "note": ("Bemærkning", "Note"),
    # overview and the rest
    "overview": ("Indsatser: fremdrift og status", "Initiatives: progress and status"),
    "rag_rule": (
        "Beregnet status: afvigelse fra den godkendte plan; tid = (forventet − færdig) / "
        "forventet, økonomi = (forbrug − periodiseret budget) / periodiseret budget; grøn inden "
        "for {amber}, gul op til {red}, rød derover ({source}). ≠: ejerens status afviger.",
        "Computed status: deviation from the approved plan; schedule = (expected − done) / "
        "expected, cost = (spent − phased budget) / phased budget; green within {amber}, amber "
        "up to {red}, red beyond ({source}). ≠: the owner's status differs."),
    "rag_differs_note": ("Ejerens og den beregnede status er forskellige for: {subject}.",
                         "The owner's and the computed status differ for: {subject}."),
    "owner": ("Ejer", "Owner"),
    "schedule_dev": ("Afvigelse, tid", "Schedule dev."),
    "cost_dev": ("Afvigelse, økonomi", "Cost dev."),
    "rag_owner": ("Ejerens status", "Owner's status"),
    "rag_computed": ("Beregnet status", "Computed status"),
    "goals_note": (
        "Forventet nu: hvor en lige linje fra udgangspunkt (periodens start) til målsætning "
        "(fristen) er ved kvartalets udgang; på sporet, når resultatet er mindst dér (inden "
        "for den gule tolerance). Kilde \"beregnet\": systemets egne tal, som i afsnittet om "
        "idéstorme.",
        "Expected now: where a straight line from baseline (the period's start) to target (the "
        "due date) is at the quarter's end; on track when the actual is at least there "
        "(within the amber tolerance). Source \"computed\": the system's own figures, as in "
        "the ideastorm section."),
    "expected_now": ("Forventet nu", "Expected now"),
    "measured": ("Målt / kilde", "Measured / source"),
    "judgement": ("Vurdering", "Judgement"),
    "on_track": ("på sporet", "on track"),
    "off_track": ("ikke på sporet", "off track"),
    "not_measured": ("ikke målt", "not measured"),
    "source.system": ("beregnet", "computed"),
    "milestones_next_quarter": ("Milepæle i næste kvartal", "Milestones next quarter"),
    "original_due": ("Oprindelig frist", "Original due"),
    "phased_to_date": ("Periodiseret budget til dato", "Budget phased to date"),
    "forecast": ("Prognose for året", "Full-year forecast"),
    "no_spend_reported": ("intet forbrug indberettet", "no spend reported"),
    "budget_now": ("Budget", "Budget"),
    "approved": ("godkendt", "approved"),
    "risks": ("Risici", "Risks"),
    "no_risks": ("Ingen risici registreret.", "No risks recorded."),
    "risk": ("Risiko", "Risk"),
    "likelihood": ("Sandsynlighed", "Likelihood"),
    "impact": ("Konsekvens", "Impact"),
    "score": ("Score", "Score"),
    "mitigation": ("Afbødning", "Mitigation"),
    "risk_status.open": ("åben", "open"),
    "risk_status.closed": ("lukket", "closed"),
    "baseline_changes": ("Ændringer af den godkendte plan", "Changes to the approved plan"),
    "no_baseline_changes": ("Ingen ændringer siden planen blev godkendt.",
                            "No changes since the plan was approved."),
    "when_who": ("Hvornår / hvem", "When / who"),
    "reason": ("Begrundelse", "Reason"),
    "before_after": ("Før → efter", "Before → after"),
    "field.title": ("Titel", "Title"),
    "field.owner": ("Ejer", "Owner"),
    "field.budget_dkk": ("Budget", "Budget"),
    "field.track": ("Spor", "Track"),
    "field.period": ("Periode", "Period"),
    "field.milestone_due": ("Milepæl flyttet", "Milestone moved"),
    "field.milestone_added": ("Milepæl tilføjet", "Milestone added"),
    "field.milestone_removed": ("Milepæl fjernet", "Milestone removed"),
    "field.goal_target": ("Mål ændret", "Goal changed"),
    "field.goal_added": ("Mål tilføjet", "Goal added"),
    "field.goal_removed": ("Mål fjernet", "Goal removed"),
    "synthetic_times": (
        "Stemmerne er importeret uden tidspunkter (Pabulib-stemmesedler har ingen); derfor "
        "vises ingen fordeling over dage.",
        "The votes were imported without times (Pabulib ballots have none), so no "
        "distribution over days is shown."),
    "original_language": ("Titler på idéstorme og idéer gengives på originalsproget.",
                          "Campaign and idea titles are shown in their original language."),
    "document_control": ("Dokumentkontrol", "Document control"),
    "plan_version": ("Planversion (1 + ændringer siden godkendelse)",
                     "Plan version (1 + changes since approval)"),
    "events_in_quarter": ("Hændelser i kvartalet", "Events in the quarter"),
    "generated_by": ("Dannet af", "Generated by"),
    "hash_recipe": (
        "Genberegning: tag hændelsernes id'er (UUID med små bogstaver), sortér dem som tekst, "
        "forbind dem med linjeskift (uden afsluttende linjeskift) og tag SHA-256 af UTF-8-"
        "bytene: printf '%s' \"$(sort ids.txt | uniq)\" | sha256sum.",
        "To recompute: take the events' ids (lower-case UUIDs), sort them as text, join them "
        "with newlines (no trailing newline) and take the SHA-256 of the UTF-8 bytes: "
        "printf '%s' \"$(sort ids.txt | uniq)\" | sha256sum."),
    "event.one": ("hændelse", "event"),
    "event.other": ("hændelser", "events"),
    "figure.baseline": ("Ændringer af planen", "Changes to the plan"),
    "figure.risks": ("Risici", "Risks"),
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


def plural(n: int, key: str, lang: Lang) -> str:
    """"1 hændelse", "2 hændelser": the count with `key.one` or `key.other`."""
    return f"{fmt_number(n, lang)} {t(lang, key + ('.one' if n == 1 else '.other'))}"


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
