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
    'cutoff': ('Data til og med', 'Data up to and including'),
    'fingerprint': ("Registreringer (antal og kontrolsum af id'er)", 'Records (count and checksum of ids)'),
    'previous_fingerprint': ('Forrige kvartals registreringer', "Previous quarter's records"),
    'content_hash': ('Kontrolsum for indholdet', 'Content checksum'),
    'events': ('registreringer', 'records'),
    'log_heads': ('Signerede hoveder af stemmeloggen ved skæringstidspunktet',
                  'Signed heads of the vote log at the cut-off'),
    'log_head': ('{log}/{partition}: {size} registreringer, rod {root}…, signeret {at}',
                 '{log}/{partition}: {size} records, root {root}…, signed {at}'),
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
    'appendix': ('Bilag: datagrundlaget for hvert tal', 'Appendix: the records behind every figure'),
    "figure": ("Tal", "Figure"),
    "appendix_note": (
        "Hvert tal er beregnet ud fra registreringerne nedenfor: antal, SHA-256 af deres sorterede "
        "id'er og, når de er få, id'erne selv.",
        "Every figure was computed from the records below: their count, the SHA-256 of their sorted "
        "ids and, when there are few, the ids themselves."),
    "subject": ("Vedrører", "About"),
    'event_types': ('Typer af registreringer', 'Kinds of record'),
    'event_ids': ("Registreringernes id'er", 'Record ids'),
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
    "tolerance_source.default": (
        "standardtolerancer for tid og økonomi efter Statens It-råds model",
        "default schedule and cost tolerances after the Danish state IT council's model"),
    "tolerance_source.plan": ("handlingsplanens egne tolerancer", "the plan's own tolerances"),
    "key_messages": ("Hovedbudskaber", "Key messages"),
    "message.nothing_to_report": (
        "Der er ikke registreret noget i kvartalet. Rapporten kan derfor ikke tages som udtryk for, at "
        "alt er i orden.",
        "Nothing was recorded in the quarter: this report is no evidence that all is well."),
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
    'message.goals_off_track.one': ('Et mål er bagud: {subject}.', 'One goal is behind: {subject}.'),
    'message.goals_off_track.other': ('{n} mål er bagud: {subject}.', '{n} goals are behind: {subject}.'),
    "message.rag_differs": (
        "Den ansvarliges vurdering afviger fra den beregnede status for: {subject}.",
        "The owner's rating differs from the computed status for: {subject}."),
    "message.milestones_overdue.one": ("En milepæl er over tid.", "One milestone is overdue."),
    "message.milestones_overdue.other": ("{n} milepæle er over tid.",
                                         "{n} milestones are overdue."),
    "message.on_plan": ("Alle indsatser følger planen inden for tolerancerne.",
                        "Every initiative is on plan within the tolerances."),
    "nothing_to_report_long": (
        "Intet at rapportere: der er ikke registreret noget i kvartalet.",
        "Nothing to report: nothing was recorded in the quarter."),
    "for_decision": ("Til beslutning", "For decision"),
    "decision_status.open": ("til mødet {day}", "for the meeting on {day}"),
    "decision_status.overdue": (
        "skulle have været behandlet på mødet {day}; endnu ikke besluttet",
        "was due at the meeting on {day}; not yet decided"),
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
        "Beregnet status: afvigelse fra den godkendte plan. Tid = (forventet − færdig) / forventet; "
        "økonomi = (forbrug − periodiseret budget) / periodiseret budget; prognose = (årsprognose − "
        "budget) / budget. Negative tal betyder foran planen eller under budget. Grøn ved højst "
        "{amber}, gul op til {red}, rød derover ({source}). ≠: den ansvarliges vurdering afviger.",
        "Computed status: deviation from the approved plan. Schedule = (expected − done) / expected; "
        "cost = (spent − phased budget) / phased budget; forecast = (full-year forecast − budget) / "
        "budget. Negative figures mean ahead of plan or under budget. Green at most {amber}, amber up "
        "to {red}, red beyond ({source}). ≠: the owner's rating differs."),
    "rag_differs_note": (
        "Den ansvarliges vurdering afviger fra den beregnede status for: {subject}.",
        "The owner's rating differs from the computed status for: {subject}."),
    'owner': ('Ansvarlig', 'Owner'),
    'schedule_dev': ('Afvigelse tid', 'Schedule deviation'),
    'cost_dev': ('Afvigelse økonomi', 'Cost deviation'),
    "rag_owner": ("Ansvar\u00adliges vurdering", "Owner's rating"),
    'rag_computed': ('Status', 'Status'),
    "goals_note": (
        "Forventet nu: hvor målet skal være ved kvartalets udgang efter sin profil (jævnt fra "
        "indsatsens start til fristen, på én gang ved fristen eller trinvis efter milepæle). Et mål "
        "følger planen, når resultatet mindst er det forventede (inden for den gule tolerance). Kilden "
        "\"beregnet\" er systemets egne tal fra afsnittet om idéstorme; de tæller kun centrets egne "
        "idéstorme og ikke importerede data.",
        "Expected now: where the goal should be at the quarter's end by its profile (evenly from the "
        "initiative's start to the due date, all at once on the due date, or in steps by milestones). "
        "A goal is on track when the actual is at least the expected (within the amber tolerance). "
        "Source \"computed\": the system's own figures from the ideastorm section; they count only the "
        "centre's own ideastorms, not imported data."),
    "expected_now": ("Forventet nu", "Expected now"),
    "measured": ("Målt / kilde", "Measured / source"),
    "judgement": ("Vurdering", "Judgement"),
    'on_track': ('følger planen', 'on track'),
    'off_track': ('bagud', 'behind'),
    "not_measured": ("ikke målt", "not measured"),
    "source.system": ("beregnet", "computed"),
    "milestones_next_quarter": ("Milepæle i næste kvartal", "Milestones next quarter"),
    "original_due": ("Oprindelig frist", "Original due"),
    "phased_to_date": ("Periodiseret budget til dato", "Budget phased to date"),
    "forecast": ("Prognose for året", "Full-year forecast"),
    "no_spend_reported": ("intet forbrug indberettet", "no spend reported"),
    'budget_now': ('Godkendt budget', 'Approved budget'),
    'approved': ('oprindeligt', 'originally'),
    "risks": ("Risici", "Risks"),
    "no_risks": ("Ingen risici registreret.", "No risks recorded."),
    "risk": ("Risiko", "Risk"),
    'likelihood': ('Sandsyn\xadlighed', 'Likeli\xadhood'),
    'impact': ('Konse\xadkvens', 'Impact'),
    "score": ("Score", "Score"),
    'mitigation': ('Modtiltag', 'Mitigation'),
    "risk_status.open": ("åben", "open"),
    "risk_status.closed": ("lukket", "closed"),
    "baseline_changes": ("Ændringer af den godkendte plan", "Changes to the approved plan"),
    "no_baseline_changes": ("Ingen ændringer siden planen blev godkendt.",
                            "No changes since the plan was approved."),
    "when_who": ("Hvornår / hvem", "When / who"),
    "reason": ("Begrundelse", "Reason"),
    "before_after": ("Før → efter", "Before → after"),
    "field.title": ("Titel", "Title"),
    'field.owner': ('Ansvarlig', 'Owner'),
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
        "Stemmerne er hentet fra en ekstern kilde uden tidspunkter for den enkelte stemme. Derfor "
        "vises ingen fordeling over dage.",
        "The votes come from an outside source without a time for each vote, so no distribution over "
        "days is shown."),
    "original_language": ("Titler på idéstorme og idéer gengives på originalsproget.",
                          "Campaign and idea titles are shown in their original language."),
    "document_control": ("Dokumentkontrol", "Document control"),
    "plan_version": (
        "Planversion (1 + ændringer siden godkendelsen)",
        "Plan version (1 + changes since approval)"),
    'events_in_quarter': ('Registreringer i kvartalet', 'Records in the quarter'),
    'generated_by': ('Dannet af', 'Generated by'),
    "hash_recipe": (
        "Genberegning: tag registreringernes id'er (UUID med små bogstaver), sortér dem som tekst, "
        "forbind dem med linjeskift (uden afsluttende linjeskift) og beregn SHA-256 af UTF-8-bytene: "
        "printf '%s' \"$(sort ids.txt | uniq)\" | sha256sum.",
        "To recompute: take the records' ids (lower-case UUIDs), sort them as text, join them with "
        "newlines (no trailing newline) and take the SHA-256 of the UTF-8 bytes: printf '%s' \"$(sort "
        "ids.txt | uniq)\" | sha256sum."),
    'event.one': ('registrering', 'record'),
    'event.other': ('registreringer', 'records'),
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
    "decision.keep": ("Beholdt trods anmeldelser", "Kept despite flags"),
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
    "overall_basis.computed": (
        "den beregnede status for indsatserne (den dårligste): grøn, når afvigelsen fra den godkendte "
        "plan (tid, økonomi eller årsprognose) er højst {amber}, gul op til {red}, rød derover "
        "({source})",
        "the computed status of the initiatives (the worst): green when the deviation from the "
        "approved plan (schedule, cost or full-year forecast) is at most {amber}, amber up to {red}, "
        "red beyond ({source})"),
    'forecast_dev': ('Afvigelse prognose', 'Forecast deviation'),
    "figure.decisions": ("Punkter til beslutning", "Items for decision"),
    'dated': ('Dato', 'Date'),
    'author': ('Udarbejdet af', 'Prepared by'),
    "author.system": (
        "Centrets rapportering (automatisk ved kvartalets udgang)",
        "The centre's reporting (automatically at the quarter's end)"),
    'version': ('Version', 'Version'),
    'recipients': ('Modtagere', 'Recipients'),
    "recipient.steering_group": (
        "Styregruppen for Center for Offentlig Innovation",
        "The steering group of the National Centre for Public Sector Innovation"),
    "recipient.funders": (
        "Parterne bag centret: staten, KL og Danske Regioner",
        "The centre's funding parties: the state, KL and Danish Regions"),
    'approval': ('Godkendelse', 'Approval'),
    "approval.draft": (
        "Foreløbig udgave: kvartalet er ikke slut, tallene kan ændre sig",
        "Preliminary: the quarter has not ended and the figures may change"),
    "approval.for_meeting": (
        "Til behandling på styregruppens møde {day}",
        "For the steering group's meeting on {day}"),
    "approval.for_next_meeting": (
        "Til behandling på styregruppens næste møde",
        "For the steering group's next meeting"),
    "draft_banner": (
        "FORELØBIG – kvartalet er ikke afsluttet. Tallene er opgjort til og med {day} og kan ændre sig.",
        "PRELIMINARY – the quarter has not ended. The figures are up to and including {day} and may "
        "change."),
    'goals_not_measured': ('Mål uden måling', 'Goals not measured'),
    'goals_not_measured_value': ('{n} af {total}', '{n} of {total}'),
    'data_quality_count': ('Fejl i datagrundlaget', 'Data-quality issues'),
    'exceptions_missing_count': ('Afvigelser uden afvigelsesrapport', 'Breaches without an exception report'),
    "message.lines_forecast_over.one": (
        "Årsprognosen overskrider budgettet for {subject}.",
        "The full-year forecast exceeds the budget for {subject}."),
    "message.lines_forecast_over.other": (
        "Årsprognosen overskrider budgettet for {n} indsatser: {subject}.",
        "The full-year forecast exceeds the budget for {n} initiatives: {subject}."),
    "message.exceptions_missing.one": (
        "Der mangler en afvigelsesrapport for {subject}.",
        "An exception report is missing for {subject}."),
    "message.exceptions_missing.other": (
        "Der mangler afvigelsesrapporter for {n} indsatser: {subject}.",
        "Exception reports are missing for {n} initiatives: {subject}."),
    "deferred_from": (
        "Punktet var på dagsordenen for mødet {days}, men blev udskudt.",
        "The item was on the agenda of the meeting on {days} but was deferred."),
    'and': ('og', 'and'),
    "chart_title": (
        "Færdig og forventet pr. indsats (farve: beregnet status)",
        "Done and expected per initiative (colour: computed status)"),
    "exception_decisions": ("Afvigelsesrapporterne beder også styregruppen om at beslutte",
                            "The exception reports also ask the steering group to decide"),
    "chart_note": (
        "Søjlen viser, hvor langt indsatsen er; stregen, hvor langt den burde være.",
        "The bar shows how far the initiative has come; the line how far it should be."),
    "generated_by_value": ("ideastorm, rapportformat {version}",
                           "ideastorm, report format {version}"),
    "cutoff_note": ("medregnet er alt, der skete før", "counting everything that happened before"),
    'legend.done': ('færdig', 'done'),
    'legend.expected': ('forventet', 'expected'),
    'exceptions': ('Afvigelser og genopretning', 'Exceptions and recovery'),
    "exceptions_note": (
        "Hver overskridelse af den gule tolerance skal have en afvigelsesrapport med årsag, "
        "genopretning, ansvarlig, dato og eventuel beslutning.",
        "Every breach of the amber tolerance needs an exception report with cause, recovery action, "
        "owner, date and any decision needed."),
    'no_exceptions': ('Ingen indsatser overskrider tolerancerne.', 'No initiative breaches the tolerances.'),
    'breach': ('Afvigelse', 'Breach'),
    'breach.schedule': ('tid', 'schedule'),
    'breach.cost': ('økonomi', 'cost'),
    'breach.forecast': ('årsprognose', 'full-year forecast'),
    'cause': ('Årsag', 'Cause'),
    'recovery': ('Genopretning', 'Recovery'),
    'recover_by': ('Senest', 'By'),
    'decision_needed': ('Beslutning', 'Decision needed'),
    'exception_missing': ('MANGLER: ingen afvigelsesrapport', 'MISSING: no exception report'),
    "benefits": (
        "Gevinster: effekt i forhold til strategiens ambitioner",
        "Benefits: effects against the strategy's ambitions"),
    "benefits_note": (
        "Målene samlet under strategiens tre ambitioner med udgangspunkt, forrige kvartal, nu og "
        "målsætning.",
        "The goals grouped under the strategy's three ambitions with baseline, previous quarter, now "
        "and target."),
    'ambition.system': ('Systemforandringer', 'System changes'),
    'ambition.behaviour': ('Adfærdsændringer', 'Behaviour changes'),
    'ambition.knowledge': ('Viden tilegnet og anvendt', 'Knowledge acquired and used'),
    'ambition.none': ('Ikke knyttet til en ambition', 'Not tied to an ambition'),
    'previous_quarter': ('Forrige kvartal', 'Previous quarter'),
    'now': ('Nu', 'Now'),
    'trend': ('Udvikling', 'Trend'),
    'trend_title': ('Udvikling siden forrige kvartal', 'Trend since the previous quarter'),
    'trend.up': ('bedre', 'better'),
    'trend.down': ('dårligere', 'worse'),
    'trend.flat': ('uændret', 'unchanged'),
    'trend.new': ('ny', 'new'),
    'trend.not_measured': ('ikke målt', 'not measured'),
    'trend.better': ('bedre', 'better'),
    'trend.worse': ('dårligere', 'worse'),
    'trend.same': ('uændret', 'unchanged'),
    'trend.more': ('mere', 'more'),
    'trend_figure.status': ('Status', 'Status'),
    'trend_figure.percent_done': ('Færdig (%)', 'Done (%)'),
    'trend_figure.spent': ('Forbrug (kr.)', 'Spent (DKK)'),
    'trend_figure.goal': ('Mål', 'Goal'),
    'trend_figure.risk_score': ('Risikoscore', 'Risk score'),
    'data_quality': ('Datakvalitet', 'Data quality'),
    "data_quality_note": (
        "Rapporten kontrollerer datagrundlaget mod en række regler, før den dannes. Brud vises her; "
        "intet er rettet til i tallene.",
        "The report checks its inputs against a list of rules before it is made. Breaches are listed "
        "here; nothing has been smoothed in the figures."),
    'no_data_quality': ('Datagrundlaget overholder alle regler.', 'The inputs keep every rule.'),
    'rule': ('Regel', 'Rule'),
    'what': ('Hvad er galt', 'What is wrong'),
    'correct_where': ('Rettes i', 'Correct in'),
    "rule.milestone_before_evidence": (
        "Milepæl meldt nået før det, den handler om",
        "Milestone reached before what it names"),
    "rule.budget_reconciles": (
        "Budgetlinjerne stemmer ikke med det samlede budget",
        "Budget lines do not add up to the total"),
    "rule.one_cost_basis": (
        "Budget ændret uden styregruppens beslutning",
        "Budget changed without a steering-group decision"),
    'rule.breach_has_exception': ('Afvigelse uden afvigelsesrapport', 'Breach without an exception report'),
    'rule.goal_measured_when_due': ('Mål uden måling efter fristen', 'Goal not measured after its due date'),
    "rule.decision_matches_plan_dates": (
        "Beslutningspunkt i strid med planens datoer",
        "Decision item contradicts the plan's dates"),
    "detail.milestone_before_evidence": (
        "meldt nået {0}, men ingen af centrets egne idéstorme var afsluttet da (første: {1})",
        "reported reached on {0}, but none of the centre's own ideastorms had closed by then (first: "
        "{1})"),
    "detail.budget_reconciles": (
        "linjerne udgør {0}, budgettet {1}; {2} står ikke på nogen linje",
        "the lines come to {0}, the budget to {1}; {2} is on no line"),
    "detail.one_cost_basis": (
        "budgettet er {0}, det godkendte {1}; afvigelserne beregnes af det godkendte",
        "the budget is {0}, the approved one {1}; deviations use the approved one"),
    'detail.breach_has_exception': ('{0}: afvigelse {1}', '{0}: deviation {1}'),
    'detail.goal_measured_when_due': ('fristen var {0}', 'its due date was {0}'),
    "detail.decision_matches_plan_dates": (
        "beslutningspunktet angiver milepælens dato som {0}, planen har {1}",
        "the decision item gives the milestone's date as {0}; the plan has {1}"),
    "correct_in.plan_file": (
        "handlingsplanen (milepæle eller revision)",
        "the action plan (milestones or a revision)"),
    "correct_in.budget_approval": (
        "budgetgodkendelsen (linjer uden for indsatserne)",
        "the budget approval (lines outside the initiatives)"),
    "correct_in.exception_report": (
        "en afvigelsesrapport for indsatsen",
        "an exception report for the initiative"),
    'correct_in.progress_report': ('en måling af målet', 'a measurement of the goal'),
    "correct_in.decision_item": (
        "beslutningspunktets tekst eller milepælens dato i handlingsplanen",
        "the decision item's text or the milestone's date in the action plan"),
    'question': ('Spørgsmål', 'Question'),
    'imported': ('Importeret', 'Imported'),
    "imported_note": (
        "Idéstormen er importeret fra {source} og er ikke en af centrets egne. Den tæller kun med i "
        "mål, der nævner den udtrykkeligt.",
        "This campaign was imported from {source} and is not one of the centre's own. It counts only "
        "towards goals that name it."),
    "top_ideas_note": (
        "Idéerne vises med den titel, moderationen har godkendt.",
        "Ideas are shown by the title moderation approved."),
    'adopted_fate': ('Hvad der er sket med de optagne idéer', 'What became of the adopted ideas'),
    'next_step': ('Næste skridt', 'Next step'),
    'other_line': ('Øvrige budgetlinjer', 'Other budget lines'),
    'allocated': ('Fordelt på linjer', 'Allocated to lines'),
    'figure.exceptions': ('Afvigelsesrapporter', 'Exception reports'),
    "figure.what_if": ("Udvælgelse under andre regler", "Selection under other rules"),
    "stability": ("Hvem vinder under andre regler", "Who wins under other rules"),
    "stability_pending": (
        "Genberegningen under andre regler var endnu ikke tilgængelig ved rapportens "
        "skæringstidspunkt; den kommer med i en senere rapport.",
        "The replay under other rules was not yet available at the report's cut-off; a later "
        "report will include it."),
    "stability_note": (
        "Kampagnens stemmer ({votes}) talt igen under andre regler inden for budgettet på "
        "{budget}, som de lå fast {settled}. Den markerede linje (*) er kampagnens egen "
        "optælling.",
        "The campaign's votes ({votes}) counted again under other rules within its budget of "
        "{budget}, as they stood on {settled}. The marked row (*) is the campaign's own count."),
    "scenario": ("Regel", "Rule"),
    "funded": ("Idéer finansieret", "Ideas funded"),
    "cost": ("Beløb", "Cost"),
    "funded_voters": ("Stemmere med en finansieret idé", "Voters with a funded idea"),
    "stable_ideas": ("Vinder under alle regler", "Win under every rule"),
    "stable_none": ("Ingen idé vinder under alle regler.", "No idea wins under every rule."),
    "depends_ideas": ("Afhænger af valget af regel", "Depend on the choice of rule"),
    "depends_none": ("Ingen idé afhænger af valget af regel.",
                     "No idea depends on the choice of rule."),
    "funded_in": ("Finansieret under", "Funded under"),
    "and_more": ("… og {n} flere (alle står i JSON-udgaven).",
                 "… and {n} more (the JSON rendering lists them all)."),
    "not_run": ("Ikke beregnet, fordi det intet ændrer i denne kampagne: {what}.",
                "Not counted, as it changes nothing in this campaign: {what}."),
    "rule.greedy": ("Flest stemmer først", "Most votes first"),
    "rule.equal shares": ("Lige andele", "Equal shares"),
    "variation.baseline": ("kampagnens regler", "the campaign's rules"),
    "variation.no_threshold": ("uden minimumsstemmetal", "without the minimum score"),
    "variation.held_released": ("tilbageholdte stemmer talt med", "held votes counted"),
    "variation.merges_undone": ("sammenlægninger fortrudt", "merges undone"),
    "variation.without_sector": ("uden sektoren {sector}", "without the {sector} sector"),
    "variation.without_sector.all": ("hver sektor udeladt", "each sector left out"),
    # official answers (the campaign section)
    "official_answers": ("Officielle svar", "Official answers"),
    "answers_promise": ("Kampagnen lover svar på idéer med {supports} støtter inden for {days} "
                        "dage.", "The campaign promises an answer to ideas with {supports} "
                        "supports within {days} days."),
    "answers_none_given": ("Der er ikke givet officielle svar i kvartalet.",
                           "No official answer was given in the quarter."),
    "answer_state": ("Svar", "Answer"),
    "answers_given": ("Givet i kvartalet", "Given in the quarter"),
    "answers_became_due": ("Idéer, der nåede støttetærsklen i kvartalet: {n}.",
                           "Ideas that reached the support threshold in the quarter: {n}."),
    "answers_overdue": ("Svar over tiden", "Overdue answers"),
    "answer_due": ("Skulle besvares senest", "Due by"),
    "answer_given_on": ("Besvaret", "Answered"),
    "answer_not_given": ("Ikke besvaret", "Not answered"),
    "answer.under_consideration": ("Under overvejelse", "Under consideration"),
    "answer.taken_forward": ("Taget videre", "Taken forward"),
    "answer.taken_forward_into_initiative": ("Taget videre i et initiativ",
                                             "Taken forward into an initiative"),
    "answer.not_taken_forward": ("Ikke taget videre", "Not taken forward"),
    "figure.answers": ("Officielle svar", "Official answers"),
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
