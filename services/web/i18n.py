"""The pages' words: Danish first, English by choice. One table, key -> (Danish, English)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from schemas.sealing import ERASED

WORDS: dict[str, tuple[str, str]] = {
    # frame
    "site": ("Idéstorm", "Ideastorm"),
    "skip": ("Spring til indhold", "Skip to content"),
    "nav": ("Hovedmenu", "Main menu"),
    "campaigns": ("Kampagner", "Campaigns"),
    "mine": ("Mit overblik", "My overview"),
    "staff": ("Medarbejdere", "Staff"),
    "signin": ("Log ind", "Sign in"),
    "signout": ("Log ud", "Sign out"),
    "signed_in_as": ("Logget ind som", "Signed in as"),
    "language": ("Sprog", "Language"),
    "other_lang": ("English", "Dansk"),
    "api_docs": ("API-dokumentation", "API documentation"),
    "not_available": ("Ikke tilgængelig endnu: serveren har ikke denne funktion (%s).",
                      "Not available yet: the server does not offer this (%s)."),
    "error": ("Fejl", "Error"),
    "done": ("Udført", "Done"),
    "back": ("Tilbage", "Back"),
    "not_found": ("Ikke fundet", "Not found"),
    "need_signin": ("Log ind for at se denne side.", "Sign in to see this page."),
    "need_role": ("Din rolle giver ikke adgang til denne side.",
                  "Your role does not give access to this page."),
    # campaigns
    "open_campaigns": ("Åbne kampagner", "Open campaigns"),
    "other_campaigns": ("Kommende og afsluttede kampagner", "Upcoming and closed campaigns"),
    "no_campaigns": ("Der er ingen åbne kampagner lige nu.", "There are no open campaigns now."),
    "window": ("Periode", "Window"),
    "opens": ("Åbner", "Opens"),
    "closes": ("Lukker", "Closes"),
    "phase_open": ("Åben", "Open"),
    "phase_scheduled": ("Planlagt", "Scheduled"),
    "phase_closed": ("Lukket", "Closed"),
    "rules": ("Regler", "Rules"),
    "rule_votes": ("Du kan give op til %s stemmer.", "You may cast up to %s votes."),
    "rule_updown": ("Du kan stemme for eller imod en idé.", "You may vote for or against an idea."),
    "rule_pre": ("Nye idéer vises, når en moderator har godkendt dem.",
                 "New ideas appear once a moderator has approved them."),
    "rule_post": ("Nye idéer vises med det samme og modereres bagefter.",
                  "New ideas appear at once and are moderated afterwards."),
    "rule_flags": ("En idé skjules til moderation, når %s deltagere har anmeldt den.",
                   "An idea is hidden for moderation once %s participants have flagged it."),
    "ideas": ("Idéer", "Ideas"),
    "no_ideas": ("Ingen offentliggjorte idéer endnu.", "No published ideas yet."),
    "sort": ("Sortér efter", "Sort by"),
    "sort_support": ("Flest stemmer", "Most support"),
    "sort_newest": ("Nyeste", "Newest"),
    "search": ("Søg i idéer", "Search ideas"),
    "search_button": ("Søg", "Search"),
    "show": ("Vis", "Show"),
    "more_ideas": ("Flere idéer", "More ideas"),
    "no_more_ideas": ("Ikke flere idéer.", "No more ideas."),
    "first_page": ("Til de første idéer", "Back to the first ideas"),
    "supports": ("Stemmer", "Votes"),
    "tally_live": ("Stemmetallet opdateres af sig selv.", "The vote count updates by itself."),
    "budget": ("Du har %s af %s stemmer tilbage.", "You have %s of %s votes left."),
    "vote": ("Stem på idéen", "Vote for this idea"),
    "vote_against": ("Stem imod", "Vote against"),
    "unvote": ("Træk stemmen tilbage", "Withdraw your vote"),
    "vote_received": ("Din stemme er modtaget og tælles om et øjeblik.",
                      "Your vote was received and is counted in a moment."),
    "unvote_received": ("Din stemme trækkes tilbage.", "Your vote is being withdrawn."),
    "your_vote": ("Din stemme", "Your vote"),
    "submit_idea": ("Indsend en idé", "Submit an idea"),
    "title": ("Titel", "Title"),
    "body": ("Beskrivelse", "Description"),
    "tags": ("Emneord (adskilt med komma)", "Tags (separated by commas)"),
    "send": ("Send", "Send"),
    "signin_to_take_part": ("Log ind som deltager for at indsende idéer og stemme.",
                            "Sign in as a participant to submit ideas and vote."),
    "idea_received": ("Tak! Din idé er modtaget.", "Thank you! Your idea was received."),
    # idea
    "status": ("Status", "Status"),
    "reason": ("Begrundelse", "Reason"),
    "status_pending": ("Afventer moderation", "Waiting for moderation"),
    "status_published": ("Offentliggjort", "Published"),
    "status_hidden": ("Skjult", "Hidden"),
    "status_rejected": ("Afvist", "Rejected"),
    "status_merged": ("Lagt sammen med en anden idé", "Merged into another idea"),
    "status_withdrawn": ("Trukket tilbage", "Withdrawn"),
    "revise": ("Ret din idé", "Revise your idea"),
    "revised": ("Din rettelse er modtaget.", "Your revision was received."),
    "history": ("Versioner", "Revisions"),
    "revision": ("Version", "Revision"),
    "flag": ("Anmeld idéen", "Flag this idea"),
    "flag_reason": ("Hvorfor?", "Why?"),
    "flag_note": ("Bemærkning (valgfri)", "Note (optional)"),
    "flagged": ("Tak, din anmeldelse er modtaget.", "Thank you, your flag was received."),
    "flag_spam": ("Spam eller reklame", "Spam or advertising"),
    "flag_offensive": ("Krænkende", "Offensive"),
    "flag_off_topic": ("Uden for emnet", "Off topic"),
    "flag_duplicate": ("Dublet", "Duplicate"),
    "flag_other": ("Andet", "Other"),
    "submitted": ("Indsendt", "Submitted"),
    "by": ("af", "by"),
    "open": ("Åbn", "Open"),
    # mine
    "my_ideas": ("Mine idéer", "My ideas"),
    "my_votes": ("Mine stemmer", "My votes"),
    "my_data": ("Mine data", "My data"),
    "no_my_ideas": ("Du har ikke indsendt idéer.", "You have not submitted any ideas."),
    "no_my_votes": ("Du har ikke stemt.", "You have not voted."),
    "idea": ("Idé", "Idea"),
    "campaign": ("Kampagne", "Campaign"),
    "when": ("Tidspunkt", "When"),
    "vote_state_counted": ("Talt med", "Counted"),
    "vote_state_refused": ("Afvist", "Refused"),
    "vote_state_pending": ("Venter", "Pending"),
    "vote_state_held": ("Tilbageholdt til kontrol", "Held for review"),
    "vote_state_withdrawn": ("Trukket tilbage", "Withdrawn"),
    "vote_state_replaced": ("Erstattet", "Replaced"),
    "vote_state_applied": ("Tilbagetrækning gennemført", "Withdrawal applied"),
    "vote_state_merged_duplicate": ("Dublet efter sammenlægning", "Duplicate after a merge"),
    "kind_cast": ("Stemme", "Vote"),
    "kind_withdraw": ("Tilbagetrækning", "Withdrawal"),
    "erase": ("Slet mine oplysninger", "Erase my personal data"),
    "erase_text": ("Dine navneoplysninger og tekster slettes; stemmer og optællinger bevares "
                   "uden navn.", "Your name details and texts are erased; votes and counts are "
                   "kept without a name."),
    "erase_confirm": ("Ja, jeg vil have mine oplysninger slettet",
                      "Yes, I want my personal data erased"),
    "erase_requested": ("Din anmodning om sletning er modtaget.",
                        "Your erasure request was received."),
    # sign-in
    "signin_dev": ("Udviklingslogin: vælg en rolle og et deltager-id.",
                   "Development sign-in: choose a role and a participant id."),
    "role": ("Rolle", "Role"),
    "role_participant": ("Deltager", "Participant"),
    "role_moderator": ("Moderator", "Moderator"),
    "role_planner": ("Planlægger", "Planner"),
    "role_steering": ("Styregruppe", "Steering group"),
    "role_admin": ("Administrator", "Administrator"),
    "participant_id": ("Deltager-id", "Participant id"),
    "sector": ("Sektor", "Sector"),
    "sector_none": ("Ikke oplyst", "Not given"),
    "sector_state": ("Stat", "State"),
    "sector_municipality": ("Kommune", "Municipality"),
    "sector_region": ("Region", "Region"),
    "sector_private": ("Privat", "Private"),
    "sector_citizen": ("Borger", "Citizen"),
    "signin_oidc": ("Log ind med din organisations login", "Sign in with your organisation"),
    "oidc_missing": ("Login er ikke sat op: OIDC-indstillingerne mangler.",
                     "Sign-in is not configured: the OIDC settings are missing."),
    "signed_in": ("Du er logget ind.", "You are signed in."),
    "signed_out": ("Du er logget ud.", "You are signed out."),
    # staff
    "staff_home": ("Medarbejderforside", "Staff home"),
    "queue": ("Moderationskø", "Moderation queue"),
    "queue_empty": ("Køen er tom.", "The queue is empty."),
    "held_votes": ("Tilbageholdte stemmer", "Held votes"),
    "mod_log": ("Moderationslog", "Moderation log"),
    "plan": ("Handlingsplan", "Action plan"),
    "reports": ("Rapporter", "Reports"),
    "waiting_since": ("Venter siden", "Waiting since"),
    "flags": ("Anmeldelser", "Flags"),
    "no_flags": ("Ingen anmeldelser.", "No flags."),
    "similar": ("Mulige dubletter", "Possible duplicates"),
    "similarity": ("Lighed", "Similarity"),
    "changes": ("Ændringer mellem versioner", "Changes between revisions"),
    "decision": ("Afgørelse", "Decision"),
    "decide": ("Afgør", "Decide"),
    "merge_into": ("Læg sammen med", "Merge into"),
    "decision_approve": ("Godkend", "Approve"),
    "decision_reject": ("Afvis", "Reject"),
    "decision_hide": ("Skjul", "Hide"),
    "decision_restore": ("Genskab", "Restore"),
    "decision_keep": ("Behold offentlig", "Keep published"),
    "decision_merge": ("Læg sammen", "Merge"),
    "decision_release": ("Frigiv stemme", "Release vote"),
    "decision_discard": ("Kassér stemme", "Discard vote"),
    "decided": ("Afgørelsen er registreret.", "The decision was recorded."),
    "moderator": ("Moderator", "Moderator"),
    "release": ("Frigiv", "Release"),
    "discard": ("Kassér", "Discard"),
    "no_held": ("Ingen tilbageholdte stemmer.", "No held votes."),
    "year": ("År", "Year"),
    "as_of": ("Status pr. dato", "As of date"),
    "now": ("Nu", "Now"),
    "progress": ("Fremdrift", "Progress"),
    "expected": ("Forventet", "Expected"),
    "rag": ("Vurdering", "Rating"),
    "budget_dkk": ("Budget (kr.)", "Budget (DKK)"),
    "initiatives": ("Indsatser", "Initiatives"),
    "track": ("Spor", "Track"),
    "plan_status_draft": ("Udkast", "Draft"),
    "plan_status_approved": ("Godkendt", "Approved"),
    "rag_green": ("Grøn", "Green"),
    "rag_amber": ("Gul", "Amber"),
    "rag_red": ("Rød", "Red"),
    "no_initiatives": ("Ingen indsatser i sporet.", "No initiatives in this track."),
    "no_plan": ("Ingen handlingsplan for året på datoen.", "No action plan for the year on that date."),
    "change_feed": ("Ændringer", "Changes"),
    "from": ("Fra", "From"),
    "to": ("Til", "To"),
    "what": ("Hvad", "What"),
    "who": ("Hvem", "Who"),
    "no_changes": ("Ingen ændringer i perioden.", "No changes in the period."),
    "no_reports": ("Ingen rapporter endnu.", "No reports yet."),
    "quarter": ("Kvartal", "Quarter"),
    "generated": ("Dannet", "Generated"),
    "download": ("Hent", "Download"),
    "lang_da": ("dansk", "Danish"),
    "lang_en": ("engelsk", "English"),
    "docs_title": ("ideastorm API", "ideastorm API"),
    # second edition
    "participant": ("Deltager", "Participant"),
    "you": ("dig", "you"),
    "info": ("Bemærk", "Note"),
    "error_summary": ("Der er et problem", "There is a problem"),
    "profile": ("Min profil", "My profile"),
    "display_name": ("Navn, der kan vises", "Name that may be shown"),
    "email": ("E-mail (valgfri)", "E-mail (optional)"),
    "organisation": ("Organisation (valgfri)", "Organisation (optional)"),
    "show_name": ("Vis mit navn ved mine idéer i kampagner, der viser navne",
                  "Show my name beside my ideas in campaigns that show names"),
    "show_name_hint": ("Ellers står der blot \u201cDeltager\u201d.",
                       "Otherwise they just say \u201cParticipant\u201d."),
    "profile_saved": ("Din profil er gemt.", "Your profile was saved."),
    "save": ("Gem", "Save"),
    "vote_counted": ("Din stemme er talt med.", "Your vote is counted."),
    "vote_refused": ("Din stemme blev ikke talt med: %s", "Your vote was not counted: %s"),
    "vote_held": ("Din stemme er tilbageholdt til kontrol og tælles først, når en moderator har "
                  "set på den.", "Your vote is held for review and counts only once a moderator "
                  "has looked at it."),
    "vote_pending": ("Din stemme er modtaget, men er endnu ikke talt med. Se status under "
                     "\u201cMine stemmer\u201d.", "Your vote was received but is not counted "
                     "yet. See its state under \u201cMy votes\u201d."),
    "unvote_done": ("Din stemme er trukket tilbage.", "Your vote was withdrawn."),
    "no_votes_left": ("Du har ikke flere stemmer tilbage. Træk en stemme tilbage for at stemme "
                      "på en anden idé.", "You have no votes left. Withdraw a vote to vote for "
                      "another idea."),
    "opposes": ("Imod", "Against"),
    "for": ("For", "For"),
    "your_vote_for": ("Du har stemt for", "You voted for"),
    "your_vote_against": ("Du har stemt imod", "You voted against"),
    "audience": ("Hvem kan deltage", "Who may take part"),
    "audience_all": ("Alle: stat, kommuner, regioner, private og borgere.",
                     "Everyone: state, municipalities, regions, private and citizens."),
    "audience_only": ("Kun deltagere fra: %s.", "Only participants from: %s."),
    "not_for_you": ("Du kan følge kampagnen, men ikke indsende idéer eller stemme: den er kun "
                    "for deltagere fra %s.", "You can follow the campaign but not submit ideas "
                    "or vote: it is only for participants from %s."),
    "merged_notice": ("Idéen, du fulgte, er lagt sammen med denne idé.",
                      "The idea you followed was merged into this one."),
    "merged_into_link": ("Se idéen, den er lagt sammen med", "See the idea it was merged into"),
    "data_download": ("Hent alle mine data som JSON (UTF-8)", "Download all my data as JSON (UTF-8)"),
    "data_intro": ("Her er alt, hvad Idéstorm har gemt om dig.",
                   "This is everything Ideastorm keeps about you."),
    "data_page": ("Se mine data", "See my data"),
    "none": ("Ingen", "None"),
    "yes": ("Ja", "Yes"),
    "no": ("Nej", "No"),
    "flagged_item": ("Anmeldt, men stadig offentlig", "Flagged but still public"),
    "similar_weak": ("Svag lighed", "Weak likeness"),
    "moderate_idea": ("Moderér idéen", "Moderate this idea"),
    "bulk": ("Afgør de valgte", "Decide the selected"),
    "select_all_hint": ("Vælg stemmerne, og afgør dem samlet med én begrundelse.",
                        "Select votes and decide them together with one reason."),
    "select": ("Vælg", "Select"),
    "select_all": ("Vælg alle", "Select all"),
    "count": ("Antal", "Number"),
    "and_more": ("og %s andre", "and %s more"),
    "voter": ("Stemmeafgiver", "Voter"),
    "value": ("Stemme", "Vote"),
    "hold_reason": ("Tilbageholdt fordi", "Held because"),
    "n_decided": ("%s afgørelser er registreret.", "%s decisions were recorded."),
    "n_skipped": ("%s stemmer var allerede afgjort af en anden og er sprunget over.",
                  "%s votes had already been decided by someone else and were skipped."),
    "nothing_selected": ("Vælg mindst én stemme.", "Select at least one vote."),
    "search_all": ("Søg i alle kampagner", "Search all campaigns"),
    "tag": ("Emneord", "Tag"),
    "all_tags": ("Alle emneord", "All tags"),
    "results": ("Resultater", "Results"),
    "see_results": ("Se resultatet", "See the results"),
    "winners": ("Vindere", "Winners"),
    "winners_rule": ("De %s idéer med flest stemmer (kampagnens regel: op til %s stemmer pr. "
                     "deltager).", "The %s ideas with most support (the campaign's rule: up to "
                     "%s votes per participant)."),
    "winners_budget": ("De %s idéer, budgettet finansierer: de mest støttede først, så længe "
                       "pengene rækker (%s af %s).", "The %s ideas the budget funds: the most "
                       "supported first, while the money lasts (%s of %s)."),
    "statistics": ("Statistik", "Statistics"),
    "n_ideas": ("Offentliggjorte idéer", "Published ideas"),
    "n_votes": ("Stemmer talt med", "Votes counted"),
    "n_voters": ("Deltagere, der stemte", "Participants who voted"),
    "by_sector": ("Stemmer pr. sektor", "Votes per sector"),
    "share": ("Del resultatet", "Share the results"),
    "share_hint": ("Kopiér linket:", "Copy the link:"),
    "adopted": ("Hvad skete der med idéerne", "What happened to the ideas"),
    "adopted_none": ("Ingen idéer fra kampagnen er endnu taget med i handlingsplanen.",
                     "No ideas from the campaign are in the action plan yet."),
    "rank": ("Plads", "Rank"),
    # what-if: the campaign counted again under other rules
    "wi_title": ("Hvem vinder under andre regler", "Who wins under other rules"),
    "selection_pending": ("Hvad budgettet finansierer, bliver beregnet nu. Kom tilbage om lidt.",
                          "What the budget funds is being computed now. Come back shortly."),
    "wi_pending": ("Sammenligningen med andre regler bliver beregnet nu. Kom tilbage om lidt.",
                   "The comparison with other rules is being computed. Come back in a moment."),
    "wi_intro": ("Kampagnens %s stemmer er talt igen under andre regler inden for budgettet "
                 "på %s. Idéer, der vinder under alle regler, står ikke og falder med valget "
                 "af regel.",
                 "The campaign's %s votes counted again under other rules within its budget "
                 "of %s. Ideas that win under every rule do not depend on the choice of rule."),
    "wi_official": ("kampagnens egen optælling", "the campaign's own count"),
    "wi_figures": ("%s idéer, %s i alt; %s af %s stemmere fik mindst én idé finansieret",
                   "%s ideas, %s in all; %s of %s voters had at least one idea funded"),
    "wi_stable": ("Vinder under alle regler", "Win under every rule"),
    "wi_stable_none": ("Ingen idé vinder under alle regler.", "No idea wins under every rule."),
    "wi_depends": ("Afhænger af valget af regel", "Depend on the choice of rule"),
    "wi_depends_none": ("Ingen idé afhænger af valget af regel.",
                        "No idea depends on the choice of rule."),
    "wi_funded_in": ("Finansieret under", "Funded under"),
    "wi_of": ("%s af %s regler", "%s of %s rules"),
    "wi_columns": ("Kolonnerne 1–%s er reglerne i listen ovenfor.",
                   "Columns 1–%s are the rules in the list above."),
    "wi_yes": ("Ja", "Yes"),
    "wi_no": ("Nej", "No"),
    "wi_not_published": ("En idé, der ikke er offentliggjort", "An idea that is not published"),
    "wi_rule_greedy": ("Flest stemmer først", "Most votes first"),
    "wi_rule_equal_shares": ("Lige andele", "Equal shares"),
    "wi_baseline": ("kampagnens regler", "the campaign's rules"),
    "wi_no_threshold": ("uden minimumsstemmetal", "without the minimum score"),
    "wi_held_released": ("tilbageholdte stemmer talt med", "held votes counted"),
    "wi_merges_undone": ("sammenlægninger fortrudt", "merges undone"),
    "wi_without_sector": ("uden sektoren %s", "without the %s sector"),
    "wi_skipped": ("Ikke beregnet, fordi det intet ændrer i denne kampagne:",
                   "Not counted, as it changes nothing in this campaign:"),
    "wi_skipped_no_threshold": ("uden minimumsstemmetal", "without the minimum score"),
    "wi_skipped_held_released": ("tilbageholdte stemmer talt med", "held votes counted"),
    "wi_skipped_merges_undone": ("sammenlægninger fortrudt", "merges undone"),
    "wi_skipped_without_sector": ("hver sektor udeladt", "each sector left out"),
    "wi_skipped_all": ("ingen udvælgelse uden budget", "no selection without a budget"),
    "new_campaign": ("Ny kampagne", "New campaign"),
    "question_label": ("Spørgsmål", "Question"),
    "description": ("Beskrivelse (valgfri)", "Description (optional)"),
    "opens_at": ("Åbner (dato og tid)", "Opens (date and time)"),
    "closes_at": ("Lukker (dato og tid)", "Closes (date and time)"),
    "moderation_mode": ("Moderation", "Moderation"),
    "vote_mode": ("Stemmeform", "Kind of vote"),
    "mode_support": ("Kun for", "For only"),
    "mode_updown": ("For og imod", "For and against"),
    "max_votes": ("Stemmer pr. deltager", "Votes per participant"),
    "flag_threshold": ("Anmeldelser, før en idé skjules", "Flags before an idea is hidden"),
    "shows_names": ("Vis forfatternes navne (for dem, der har sagt ja)",
                    "Show authors' names (of those who agreed)"),
    "create": ("Opret", "Create"),
    "campaign_created": ("Kampagnen er oprettet.", "The campaign was created."),
    "edit_campaign": ("Ret kampagnen", "Edit the campaign"),
    "campaign_changed": ("Kampagnen er ændret.", "The campaign was changed."),
    "change_reason": ("Begrundelse for ændringen (valgfri)", "Why it changes (optional)"),
    "campaign_budget": ("Budget i kr. (valgfrit)", "Budget in DKK (optional)"),
    "campaign_budget_hint": ("Det beløb, idéerne kan udvælges inden for. Tomt: intet budget.",
                             "What ideas can be selected within. Empty: no budget."),
    "min_votes_to_fund": ("Færrest stemmer for at få midler", "Fewest votes to be funded"),
    "fixed_settings": ("Kan ikke ændres nu", "Cannot change now"),
    "edit_now_scheduled": ("Kampagnen er ikke åbnet endnu, så alt kan ændres.",
                           "The campaign has not opened yet, so everything can change."),
    "edit_now_open": ("Kampagnen er åben: teksten og lukketidspunktet kan stadig ændres.",
                      "The campaign is open: its text and its close can still change."),
    "edit_now_closed": ("Kampagnen er lukket: kun titel, spørgsmål og beskrivelse kan rettes.",
                        "The campaign is closed: only its title, question and description can "
                        "be corrected."),
    "save_changes": ("Gem ændringerne", "Save the changes"),
    "request_report": ("Bestil en rapport", "Request a report"),
    "report_requested": ("Rapporten er dannet.", "The report was made."),
    "plan_edit": ("Opdatér indsatsen", "Update the initiative"),
    "percent": ("Fremdrift i procent", "Progress in per cent"),
    "narrative": ("Kort status", "Short status"),
    "report_progress": ("Registrér fremdrift", "Record progress"),
    "complete_milestone": ("Markér milepæl som nået", "Mark a milestone as reached"),
    "milestone": ("Milepæl", "Milestone"),
    "completed_on": ("Nået den", "Reached on"),
    "spend": ("Registrér forbrug", "Record spending"),
    "amount_dkk": ("Beløb (kr.)", "Amount (DKK)"),
    "spent_on": ("Dato", "Date"),
    "risk": ("Registrér en risiko", "Record a risk"),
    "risk_title": ("Risiko", "Risk"),
    "decision_req": ("Bed styregruppen om en beslutning", "Ask the steering group to decide"),
    "saved": ("Registreret.", "Recorded."),
    "risk_likelihood": ("Sandsynlighed (1–5)", "Likelihood (1–5)"),
    "risk_impact": ("Konsekvens (1–5)", "Impact (1–5)"),
    "risk_mitigation": ("Hvad gøres for at undgå den", "What is done to avoid it"),
    "risk_owner": ("Ansvarlig (deltager-id)", "Owner (participant id)"),
    "forecast_dkk": ("Forventet forbrug i alt (kr.)", "Expected spending in all (DKK)"),
    "milestones": ("Milepæle", "Milestones"),
    "due": ("Frist", "Due"),
    "reached": ("Nået", "Reached"),
    "overdue": ("Overskredet", "Overdue"),
    "upcoming": ("Kommende", "Upcoming"),
    "latest_reports": ("Seneste statusser", "Latest statuses"),
    "adopted_ideas": ("Idéer taget med i indsatsen", "Ideas adopted into the initiative"),
    "edit": ("Opdatér", "Update"),
    "requestable_hint": ("Et kvartal, der ikke er slut, kan kun bestilles som en foreløbig "
                         "rapport med data til i dag.",
                         "A quarter that has not ended can only be requested as a draft with "
                         "data up to today."),
    "kind_final": ("endelig rapport", "final report"),
    "kind_draft": ("foreløbig rapport, data til i dag", "draft report, data up to today"),
    "already_made": ("allerede dannet", "already made"),
    "edition": ("Udgave", "Edition"),
    "final": ("Endelig", "Final"),
    "draft_as_of": ("Foreløbig, data til", "Draft, data up to"),
    "requested_by": ("Bestilt af", "Requested by"),
    "by_timer": ("Automatisk ved kvartalets slutning", "Automatically at the quarter's end"),
    "campaign_admin": ("Kampagner", "Campaigns"),
    "everyone_sectors": ("Hvem kan deltage (sektorer)", "Who may take part (sectors)"),
    "mod_pre": ("Før offentliggørelse", "Before publication"),
    "mod_post": ("Efter offentliggørelse", "After publication"),
    "period": ("Periode", "Period"),
    "owner": ("Ansvarlig", "Owner"),
    # vote receipts
    "receipt": ("Din kvittering", "Your receipt"),
    "receipt_cast": ("Kvittering for din stemme på \u201c%s\u201d", "Receipt for your vote on "
                     "\u201c%s\u201d"),
    "receipt_withdraw": ("Kvittering for din tilbagetrækning af stemmen på \u201c%s\u201d",
                         "Receipt for withdrawing your vote on \u201c%s\u201d"),
    "receipt_proves": ("Kvitteringen er signeret af Idéstorm. Den beviser, at vi har modtaget "
                       "og gemt din handling på en bestemt plads i stemmeloggen, og at den ikke "
                       "kan ændres eller fjernes, uden at det kan ses. Den siger ikke i sig selv, "
                       "om stemmen er talt med: det viser \u201cTjek min stemme\u201d.",
                       "The receipt is signed by Ideastorm. It proves that we received and "
                       "stored your action at a given place in the vote log, and that it cannot "
                       "be changed or removed without it showing. It does not by itself say "
                       "whether the vote is counted: \u201cCheck my vote\u201d shows that."),
    "receipt_event": ("Stemmens id", "The vote's id"),
    "receipt_place": ("Plads i stemmeloggen", "Place in the vote log"),
    "receipt_place_text": ("Position %s i del %s af loggen \u201c%s\u201d",
                           "Position %s in partition %s of the log \u201c%s\u201d"),
    "receipt_col": ("Kvittering", "Receipt"),
    "receipt_time": ("Registreret", "Recorded"),
    "receipt_download": ("Hent kvitteringen (JSON)", "Download the receipt (JSON)"),
    "receipt_keep": ("Gem filen. Den kan tjekkes af alle, også uden login, på siden "
                     "\u201cTjek min stemme\u201d eller via API'et (POST /receipts/verify). "
                     "Kommandoen ideastorm verify-receipt kan ikke nøjes med kvitteringen: den "
                     "skal også have stemmeloggens signerede status og beviset for, at stemmen er "
                     "med i den. Dem henter du på \u201cTjek min stemme\u201d, når stemmen er "
                     "med i en signeret status (normalt inden for et minut).",
                     "Keep the file. Anyone can check it, signed in or not, on the page "
                     "\u201cCheck my vote\u201d or through the API (POST /receipts/verify). "
                     "The command ideastorm verify-receipt needs more than the receipt: it also "
                     "needs the vote log's signed head and the proof that the vote is in it. "
                     "You get them from \u201cCheck my vote\u201d once the vote is in a signed "
                     "head (normally within a minute)."),
    "check_vote": ("Tjek min stemme", "Check my vote"),
    "check_intro": ("Her kan du tjekke en kvittering for en stemme eller en tilbagetrækning: om "
                    "den er ægte, om stemmen er med i den signerede stemmelog, og hvad der er "
                    "sket med stemmen. Det kræver ikke login.",
                    "Here you can check a receipt for a vote or a withdrawal: whether it is "
                    "genuine, whether the vote is in the signed vote log, and what became of the "
                    "vote. No sign-in is needed."),
    "check_paste": ("Indsæt kvitteringen (JSON)", "Paste the receipt (JSON)"),
    "check_paste_hint": ("Hele indholdet af kvitteringsfilen, som du hentede efter din stemme.",
                         "The whole content of the receipt file you downloaded after voting."),
    "check_file": ("Eller vælg kvitteringsfilen", "Or choose the receipt file"),
    "check_button": ("Tjek kvitteringen", "Check the receipt"),
    "check_signin": ("Log ind for at tjekke en af dine stemmer ud fra dens id, eller indsæt "
                     "kvitteringen herunder.", "Sign in to check one of your votes by its id, "
                     "or paste the receipt below."),
    "check_answer": ("Svar", "Answer"),
    "check_genuine": ("Kvitteringen er ægte: den er signeret af Idéstorm (nøgle %s) og ikke "
                      "ændret.", "The receipt is genuine: it was signed by Ideastorm (key %s) and "
                      "has not been changed."),
    "check_recorded": ("Stemmeloggen indeholder netop den registrering, kvitteringen gælder "
                       "(position %s i del %s).", "The vote log holds the very record the "
                       "receipt is for (position %s in partition %s)."),
    "check_not_recorded": ("Stemmeloggen indeholder ikke den registrering, kvitteringen gælder. "
                           "Kontakt Idéstorm og vis kvitteringen.",
                           "The vote log does not hold the record the receipt is for. Contact "
                           "Ideastorm and show them the receipt."),
    "check_included": ("Med i stemmeloggens signerede status for del %s (loggens størrelse: %s), "
                       "signeret %s. Beviset består af %s hashværdier.",
                       "Included in the vote log's signed head of partition %s (log size: %s), "
                       "signed %s. The proof is %s hashes long."),
    "check_not_included": ("Endnu ikke med i en signeret status af stemmeloggen. En status "
                           "signeres mindst hvert minut, mens der kommer stemmer: tjek igen om "
                           "lidt.", "Not yet in a signed head of the vote log. A head is signed "
                           "at least every minute while votes arrive: check again shortly."),
    "check_problem": ("Beviset holder ikke: %s", "The proof does not hold: %s"),
    "check_state": ("Stemmens status nu", "The vote's state now"),
    "check_idea": ("Idé", "Idea"),
    "check_proof": ("Tjek uden for Idéstorm", "Check outside Ideastorm"),
    "check_proof_text": ("Hent beviset (kvitteringen, den signerede status og beviset for, at "
                         "stemmen er med), og tjek det med Idéstorms offentlige nøgle alene:",
                         "Download the proof (the receipt, the signed head and the proof that "
                         "the vote is in it), and check it with Ideastorm's public key alone:"),
    "check_proof_download": ("Hent beviset (JSON)", "Download the proof (JSON)"),
    "public_key": ("Offentlig nøgle", "Public key"),
    "check_another": ("Tjek en anden kvittering", "Check another receipt"),
    "my_receipts": ("Mine kvitteringer", "My receipts"),
    "my_receipts_intro": ("En kvittering for hver stemme og tilbagetrækning, du har afgivet her. "
                          "Hent dem, eller tjek dem når som helst.",
                          "A receipt for each vote and withdrawal you made here. Download them, "
                          "or check them at any time."),
    "no_receipts": ("Du har ingen kvitteringer endnu.", "You have no receipts yet."),
    "action": ("Handling", "Action"),
    "check": ("Tjek", "Check"),
    "receipt_of": ("kvitteringen for %s, %s", "the receipt for %s, %s"),
    "kind_unknown": ("Venter på behandling", "Waiting to be processed"),
    "vote_state_discarded": ("Kasseret", "Discarded"),
    "vote_state_unknown": ("Ikke behandlet endnu", "Not processed yet"),
    "rstate_counted": ("Talt med: stemmen tæller med i optællingen.",
                       "Counted: the vote counts in the tally."),
    "rstate_held": ("Tilbageholdt: en moderator skal se på stemmen, før den tæller med.",
                    "Held: a moderator must look at the vote before it counts."),
    "rstate_withdrawn": ("Trukket tilbage: du har trukket stemmen tilbage, så den tæller ikke "
                         "med.", "Withdrawn: you withdrew the vote, so it does not count."),
    "rstate_replaced": ("Erstattet: en senere stemme fra dig på samme idé gælder i stedet.",
                        "Replaced: a later vote of yours on the same idea counts instead."),
    "rstate_merged_duplicate": ("Tæller ikke selv: idéen blev lagt sammen med en idé, du også "
                                "har stemt på, og den stemme tæller.",
                                "Does not count by itself: the idea was merged into one you "
                                "also voted for, and that vote counts."),
    "rstate_discarded": ("Kasseret: en moderator har kasseret stemmen, så den tæller ikke med.",
                         "Discarded: a moderator discarded the vote, so it does not count."),
    "rstate_refused": ("Afvist: stemmen tæller ikke med.", "Refused: the vote does not count."),
    "rstate_applied": ("Gennemført: tilbagetrækningen har virket, og stemmen tæller ikke længere "
                       "med.", "Applied: the withdrawal took effect, and the vote no longer "
                       "counts."),
    "rstate_refused_withdraw": ("Afvist: tilbagetrækningen har ikke virket.",
                                "Refused: the withdrawal did not take effect."),
    "rstate_pending": ("Venter: stemmen venter på, at kampagnen eller idéen bliver kendt i "
                       "optællingen. Den tæller ikke med endnu.",
                       "Waiting: the vote waits for its campaign or idea to be known to the "
                       "count. It does not count yet."),
    "rstate_unknown": ("Modtaget, men ikke behandlet endnu: tjek igen om et øjeblik.",
                       "Received but not processed yet: check again in a moment."),
    # the steering group's items
    "decisions": ("Beslutninger til styregruppen", "Decisions for the steering group"),
    "decisions_link": ("Beslutninger til styregruppen og møder", "Steering-group decisions and meetings"),
    "open_decisions": ("Venter på styregruppens beslutning", "Waiting for the steering group"),
    "answered_decisions": ("Besluttet", "Decided"),
    "no_open_decisions": ("Ingen punkter venter på en beslutning.",
                          "No item is waiting for a decision."),
    "no_answered_decisions": ("Styregruppen har ikke besluttet noget i planens år endnu.",
                              "The steering group has not decided anything for the plan year "
                              "yet."),
    "ask_decision": ("Bed styregruppen om en beslutning", "Ask the steering group to decide"),
    "new_meeting": ("Registrér et styregruppemøde", "Record a steering-group meeting"),
    "record_answer": ("Registrér styregruppens beslutning", "Record the steering group's decision"),
    "initiative": ("Indsats", "Initiative"),
    "no_initiative": ("Ingen bestemt indsats", "No particular initiative"),
    "decision_title": ("Punktets overskrift", "Heading of the item"),
    "decision_question": ("Hvad skal styregruppen tage stilling til", "What the steering group is "
                          "asked to decide"),
    "recommendation": ("Indstilling", "Recommendation"),
    "requested_on": ("Bedt om den", "Asked on"),
    "for_meeting_on": ("Til mødet den", "For the meeting on"),
    "asked_by": ("Bedt om af", "Asked by"),
    "options": ("Valgmuligheder", "Options"),
    "options_hint": ("Mindst to og højst fem, hver med sin konsekvens. Tomme rækker tæller ikke "
                     "med.", "At least two and at most five, each with its consequence. Empty "
                     "rows do not count."),
    "option_n": ("Valgmulighed %s", "Option %s"),
    "option_label": ("Navn", "Name"),
    "consequence": ("Konsekvens", "Consequence"),
    "option_label_1": ("Valgmulighed 1: navn", "Option 1: name"),
    "option_label_2": ("Valgmulighed 2: navn", "Option 2: name"),
    "option_label_3": ("Valgmulighed 3: navn", "Option 3: name"),
    "option_label_4": ("Valgmulighed 4: navn", "Option 4: name"),
    "option_consequence_1": ("Valgmulighed 1: konsekvens", "Option 1: consequence"),
    "option_consequence_2": ("Valgmulighed 2: konsekvens", "Option 2: consequence"),
    "option_consequence_3": ("Valgmulighed 3: konsekvens", "Option 3: consequence"),
    "option_consequence_4": ("Valgmulighed 4: konsekvens", "Option 4: consequence"),
    "held_on": ("Mødedato", "Date of the meeting"),
    "members_present": ("Medlemmer til stede (højst tre pr. part)",
                        "Members present (at most three per party)"),
    "present_state": ("Staten", "The state"),
    "present_municipalities": ("Kommunerne", "The municipalities"),
    "present_regions": ("Regionerne", "The regions"),
    "meeting_decisions": ("Andre beslutninger på mødet (én pr. linje, valgfri)",
                          "Other decisions of the meeting (one per line, optional)"),
    "agenda": ("Dagsorden: punkter til beslutning", "Agenda: items for decision"),
    "agenda_hint": ("Vælg de åbne punkter, mødet havde på dagsordenen.",
                    "Choose the open items the meeting had on its agenda."),
    "no_open_for_agenda": ("Ingen åbne punkter at sætte på dagsordenen.",
                           "No open items to put on the agenda."),
    "meeting": ("Møde", "Meeting"),
    "meeting_on": ("Mødet den %s", "The meeting on %s"),
    "meetings": ("Styregruppemøder", "Steering-group meetings"),
    "no_meetings": ("Ingen styregruppemøder er registreret.", "No steering-group meetings are "
                    "recorded."),
    "no_meeting_to_answer": ("Der er ikke registreret et styregruppemøde, som beslutningen kan "
                             "høre til. En planlægger registrerer mødet først.",
                             "No steering-group meeting is recorded for the decision to belong "
                             "to. A planner records the meeting first."),
    "decided_on": ("Besluttet den", "Decided on"),
    "chosen": ("Styregruppens beslutning", "The steering group's decision"),
    "answer_note": ("Bemærkning (valgfri)", "Note (optional)"),
    "on_agenda": ("På dagsordenen", "On the agenda"),
    "not_on_agenda": ("Ikke på en dagsorden endnu", "Not on an agenda yet"),
    "deferred_on": ("Udsat på møderne", "Deferred at the meetings"),
    "answer": ("Beslutning", "Decision"),
    "answered_at": ("mødet den %s", "the meeting on %s"),
    "recorded_by": ("Registreret af", "Recorded by"),
    "decision_asked": ("Punktet er sendt til styregruppen.",
                       "The item was put to the steering group."),
    "meeting_recorded": ("Mødet er registreret.", "The meeting was recorded."),
    "answer_recorded": ("Styregruppens beslutning er registreret.",
                        "The steering group's decision was recorded."),
    "agenda_items": ("Punkter til beslutning", "Items for decision"),
    "present": ("Til stede", "Present"),
    # what an erased participant wrote reads as `schemas.sealing.ERASED` ("[slettet]") in the
    # data, the API and the reports; the English pages say it in English
    "erased_text": ("[slettet]", "[erased]"),
    # an idea's journey ("Hvor er min idé nu?", services/web/journey.py)
    "jr_title": ("Hvor er min idé nu?", "Where is my idea now?"),
    "jr_link": ("Hvor er idéen nu? Se hele dens vej", "Where is the idea now? See its whole way"),
    "jr_back_to_idea": ("Tilbage til idéen", "Back to the idea"),
    "jr_untitled": ("En idé, der ikke er offentliggjort", "An idea that is not published"),
    "jr_in_campaign": ("Kampagne:", "Campaign:"),
    "jr_steps": ("Idéens vej", "The idea's way"),
    "jr_submitted": ("Idéen blev sendt ind", "The idea was submitted"),
    "jr_moderated": ("Modereret", "Moderated"),
    "jr_decision_approve": ("godkendt", "approved"),
    "jr_decision_reject": ("afvist", "rejected"),
    "jr_decision_hide": ("skjult", "hidden"),
    "jr_decision_restore": ("genskabt", "restored"),
    "jr_decision_keep": ("beholdt offentlig", "kept published"),
    "jr_decision_merge": ("lagt sammen med en anden idé", "merged into another idea"),
    "jr_became": ("Status blev", "Status became"),
    "jr_status_changed": ("Ny status", "New status"),
    "jr_revised": ("Version %s af idéen blev offentliggjort", "Revision %s of the idea was "
                   "published"),
    "jr_voting_closed": ("Afstemningen lukkede", "The vote closed"),
    "jr_votes_at_close": ("%s stemmer ved afstemningens afslutning.", "%s votes when the vote "
                          "closed."),
    "jr_rank": ("Nr. %s af %s idéer.", "Number %s of %s ideas."),
    "jr_selected": ("Valgt efter kampagnens egen regel", "Selected under the campaign's own rule"),
    "jr_not_selected": ("Ikke valgt efter kampagnens egen regel",
                        "Not selected under the campaign's own rule"),
    "jr_funded_in": ("Idéen får penge under %s af %s måder at tælle på:",
                     "The idea is funded under %s of %s ways of counting:"),
    "jr_funded_nowhere": ("Idéen får ikke penge under nogen af reglerne.",
                          "The idea is not funded under any of the rules."),
    "jr_answered": ("Officielt svar", "Official answer"),
    "jr_answer_under_consideration": ("overvejes", "under consideration"),
    "jr_answer_taken_forward": ("arbejdes der videre med", "taken forward"),
    "jr_answer_taken_forward_into_initiative": ("taget med i en indsats i handlingsplanen",
                                                "taken into an initiative of the action plan"),
    "jr_answer_not_taken_forward": ("arbejdes der ikke videre med", "not taken forward"),
    "jr_adopted": ("Taget med i en indsats i handlingsplanen",
                   "Adopted into an initiative of the action plan"),
    "jr_adopted_into": ("Taget med i indsatsen %s", "Adopted into the initiative %s"),
    "jr_milestone": ("Milepæl nået: %s", "Milestone reached: %s"),
    "jr_completed_on": ("Nået den", "Reached on"),
    "jr_progress": ("%s gennemført", "%s done"),
    "jr_as_of": ("Opgjort den", "As of"),
    "jr_votes": ("Stemmer over tid", "Votes over time"),
    "jr_votes_caption": ("Stemmer pr. dag og optalte stemmer i alt ved dagens slutning",
                         "Votes per day and counted votes in all at the end of the day"),
    "jr_day": ("Dag", "Day"),
    "jr_cast": ("Afgivet den dag", "Cast that day"),
    "jr_total": ("Optalt i alt", "Counted in all"),
    "jr_no_vote_times": ("Stemmerne er importeret uden tidspunkter, så de kan ikke vises dag "
                         "for dag.", "The votes were imported without times, so they cannot "
                         "be shown day by day."),
    "jr_no_votes": ("Ingen stemmer endnu.", "No votes yet."),
    "jr_initiative": ("Indsatsen", "The initiative"),
    "jr_milestones": ("Milepæle", "Milestones"),
    "jr_due": ("skal nås senest", "due by"),
    "jr_closed": ("Indsatsen er afsluttet", "The initiative is closed"),
    "jr_plan_not_public": ("Idéen er taget med i handlingsplanen. Indsatsens detaljer vises, når "
                           "styregruppen har godkendt planen.", "The idea was taken into the "
                           "action plan. The initiative's details are shown once the steering "
                           "group has approved the plan."),
    # comments on ideas (services/web/comments.py, templates/comments.html, staff/comments.html)
    "comments": ("Kommentarer", "Comments"),
    "comments_count": ("kommentarer", "comments"),
    "no_comments": ("Ingen kommentarer endnu.", "No comments yet."),
    "comment_write": ("Skriv en kommentar", "Write a comment"),
    "comment_body": ("Din kommentar", "Your comment"),
    "comment_send": ("Send kommentar", "Send comment"),
    "comment_reply": ("Svar", "Reply"),
    "comment_reply_to": ("Dit svar til %s", "Your reply to %s"),
    "comment_reply_send": ("Send svar", "Send reply"),
    "comment_received": ("Tak for din kommentar. Kræver kampagnen moderation, vises den, når "
                         "den er godkendt.",
                         "Thank you for your comment. If the campaign is moderated, it is "
                         "shown once it is approved."),
    "comment_flag": ("Anmeld kommentaren", "Flag the comment"),
    "comment_flagged": ("Tak. Kommentaren er anmeldt til moderatorerne.",
                        "Thank you. The comment was flagged to the moderators."),
    "comment_delete": ("Slet min kommentar", "Delete my comment"),
    "comment_deleted": ("Din kommentar er slettet.", "Your comment was deleted."),
    "comment_body_missing": ("Skriv din kommentar, før du sender den.",
                             "Write your comment before you send it."),
    "comment_sign_in": ("Log ind for at skrive en kommentar.", "Sign in to write a comment."),
    "comment_closed": ("Kampagnen er ikke åben, så der kan ikke skrives kommentarer.",
                       "The campaign is not open, so no comments can be written."),
    "comment_queue": ("Kommentarer til moderation", "Comments to moderate"),
    "comment_queue_empty": ("Ingen kommentarer venter på en afgørelse.",
                            "No comments are waiting for a decision."),
    "comment_on": ("Kommentar til", "Comment on"),
    "comment_decided": ("Afgørelsen om kommentaren er registreret.",
                        "The decision on the comment was recorded."),
    # following and notifications (services/web/notify.py)
    "notify_inbox": ("Notifikationer", "Notifications"),
    "notify_unread_n": ("%s ulæste", "%s unread"),
    "notify_unread": ("ulæste", "unread"),  # the header's count says its number, and this aloud
    "notify_read_all": ("Markér alle som læst", "Mark all as read"),
    "notify_mark_read": ("Markér som læst", "Mark as read"),
    "notify_marked_read": ("Markeret som læst.", "Marked as read."),
    "notify_none": ("Du har ingen notifikationer endnu. Følg en idé eller en kampagne for at "
                    "høre, hvad der sker med den.",
                    "You have no notifications yet. Follow an idea or a campaign to hear what "
                    "happens to it."),
    "notify_new": ("Ny", "New"),
    "notify_follow": ("Følg", "Follow"),
    "notify_unfollow": ("Stop med at følge", "Stop following"),
    "notify_you_follow": ("Du følger denne.", "You follow this."),
    "notify_followed": ("Du følger den nu.", "You follow it now."),
    "notify_unfollowed": ("Du følger den ikke længere.", "You no longer follow it."),
    "notify_prefs_save": ("Gem e-mail-valget", "Save the e-mail choice"),
    "notify_prefs": ("E-mails om det, du følger", "E-mail about what you follow"),
    "notify_email_how": ("Hvornår vil du have e-mail?", "When do you want e-mail?"),
    "notify_email_immediately": ("Med det samme", "At once"),
    "notify_email_daily": ("En samlet e-mail om dagen", "One e-mail a day"),
    "notify_email_weekly": ("En samlet e-mail om ugen", "One e-mail a week"),
    "notify_email_never": ("Aldrig", "Never"),
    "notify_prefs_hint": ("Notifikationerne står altid på siden Notifikationer. E-mails skrives "
                          "på det sprog, siden vises på nu.",
                          "Notifications are always on the Notifications page. E-mails are "
                          "written in the language this page is shown in now."),
    "notify_saved": ("Dit valg er gemt.", "Your choice was saved."),
    "notify_pick": ("Vælg, hvornår du vil have e-mail.", "Choose when you want e-mail."),
    "notify_bad_link": ("Linket mangler en del. Brug linket fra e-mailen.",
                        "The link is missing a part. Use the link from the e-mail."),
    "notify_unsubscribe": ("Stop e-mails", "Stop e-mails"),
    "notify_unsubscribe_ask": ("Vil du stoppe alle e-mails om det, du følger? Dine "
                               "notifikationer står stadig på siden, når du logger ind.",
                               "Do you want to stop all e-mail about what you follow? Your "
                               "notifications stay on the page when you sign in."),
    "notify_unsubscribe_button": ("Ja, stop e-mails", "Yes, stop e-mails"),
    "notify_unsubscribed": ("Du får ikke flere e-mails. Du kan slå dem til igen under din "
                            "profil.", "You will get no more e-mail. You can turn it on again "
                            "on your profile."),
    "notify_answer": ("Svar", "Answer"),
    "notify_answer_under_consideration": ("under overvejelse", "under consideration"),
    "notify_answer_taken_forward": ("taget videre", "taken forward"),
    "notify_answer_taken_forward_into_initiative": ("taget videre i et initiativ",
                                                    "taken forward into an initiative"),
    "notify_answer_not_taken_forward": ("ikke taget videre", "not taken forward"),
    "notify_kind_idea_approved": ("En idé, du følger, er godkendt",
                                  "An idea you follow was approved"),
    "notify_kind_idea_rejected": ("Din idé blev afvist", "Your idea was rejected"),
    "notify_kind_idea_merged": ("Din idé blev lagt sammen med en anden",
                                "Your idea was merged with another"),
    "notify_kind_idea_answered": ("En idé, du følger, har fået svar",
                                  "An idea you follow was answered"),
    "notify_kind_idea_adopted": ("En idé, du følger, er taget med i handlingsplanen",
                                 "An idea you follow was taken into the action plan"),
    "notify_kind_milestone_reached": ("En milepæl er nået for en idé, du følger",
                                      "A milestone was reached for an idea you follow"),
    "notify_kind_comment_reply": ("Nyt svar på din kommentar", "A reply to your comment"),
    "notify_kind_campaign_opened": ("En kampagne, du følger, er åbnet",
                                    "A campaign you follow opened"),
    "notify_no_sink": ("E-mails sendes til en rigtig SMTP-server; der er ingen lokal postkasse "
                       "at vise.", "E-mail goes to a real SMTP server; there is no local mailbox "
                       "to show."),
    "notify_no_mail": ("E-mailen findes ikke.", "The e-mail does not exist."),
    "notify_sink": ("Sendte e-mails (udvikling)", "E-mails sent (development)"),
    "notify_sink_count": ("%s e-mails i den lokale postkasse.", "%s e-mails in the local mailbox."),
    "notify_to": ("Til", "To"),
    "notify_subject": ("Emne", "Subject"),
    "notify_date": ("Dato", "Date"),
    "notify_kind_campaign_closed": ("En kampagne, du følger, er lukket, og resultatet er "
                                    "offentligt",
                                    "A campaign you follow closed and its results are published"),
    # official answers and the support threshold (idea page, campaign page, moderation console)
    "official_answer": ("Officielt svar", "Official answer"),
    "answer_state_under_consideration": ("Under overvejelse", "Under consideration"),
    "answer_state_taken_forward": ("Taget videre", "Taken forward"),
    "answer_state_not_taken_forward": ("Ikke taget videre", "Not taken forward"),
    "answer_option_taken_forward_into_initiative": ("Taget videre i et initiativ",
                                                    "Taken forward into an initiative"),
    "decision_under_consideration": ("Svar: under overvejelse", "Answer: under consideration"),
    "decision_taken_forward": ("Svar: taget videre", "Answer: taken forward"),
    "decision_taken_forward_into_initiative": ("Svar: taget videre i et initiativ",
                                               "Answer: taken forward into an initiative"),
    "decision_not_taken_forward": ("Svar: ikke taget videre", "Answer: not taken forward"),
    "answer_given": ("Besvaret %s", "Answered %s"),
    "rule_answer": ("Idéer med %s støtter besvares inden for %s dage.",
                    "Ideas with %s supports are answered within %s days."),
    "official_answers": ("Officielle svar", "Official answers"),
    "answers_overdue": ("Svar over tiden", "Overdue answers"),
    "answers_due": ("Svar, der skal gives", "Answers due"),
    "answers_none_overdue": ("Intet svar er over tiden.", "No answer is overdue."),
    "answers_none_due": ("Ingen idé venter på et officielt svar.",
                         "No idea is waiting for an official answer."),
    "answer_due_by": ("Skal besvares senest %s", "To be answered by %s"),
    "answer_reached": ("Nåede %s støtter (tærsklen er %s) %s", "Reached %s supports (the "
                       "threshold is %s) %s"),
    "answer_state": ("Svar", "Answer"),
    "answer_initiative": ("Initiativets id (kun ved »Taget videre i et initiativ«)",
                          "The initiative's id (only for \"Taken forward into an initiative\")"),
    "give_answer": ("Giv svaret", "Give the answer"),
    "answer_given_ok": ("Svaret er givet.", "The answer was given."),
    "give_answer_link": ("Giv idéen et officielt svar", "Give the idea an official answer"),
    "answer_this_idea": ("Besvar idéen", "Answer the idea"),
    "answer_promise": ("Løfte om officielt svar (valgfrit)",
                       "Promise of an official answer (optional)"),
    "answer_promise_hint": ("Idéer med så mange støtter besvares inden for så mange dage. Tøm "
                            "begge felter for intet løfte.",
                            "Ideas with this many supports are answered within this many days. "
                            "Empty both fields for no promise."),
    "answer_supports": ("Antal støtter", "Supports"),
    "answer_days": ("Antal dage (1–365)", "Days (1–365)"),
    # answers name their initiative (answer form, idea page, journey)
    "answer_initiative_pick": ("Initiativ (kun ved »Taget videre i et initiativ«)",
                               "Initiative (only for \"Taken forward into an initiative\")"),
    "answer_initiative_none": ("Intet initiativ", "No initiative"),
    "answer_plan_year": ("Handlingsplan %s", "Action plan %s"),
    "answer_initiative_hint": ("Handlingsplanen kan ikke vises for dig, eller den har endnu ingen "
                               "initiativer. Skriv initiativets id, som planlæggeren har givet "
                               "dig.",
                               "The action plan cannot be shown to you, or it has no initiatives "
                               "yet. Type the initiative's id the planner gave you."),
    "answer_initiative_field": ("Initiativ", "Initiative"),
    "answer_into_named": ("Taget videre i initiativet", "Taken forward into the initiative"),
    "answer_into_unnamed": ("Taget videre i et initiativ i handlingsplanen",
                            "Taken forward into an initiative in the action plan"),
    "answer_initiative_missing": ("Angiv det initiativ, idéen er taget videre i.",
                                  "Give the initiative the idea was taken forward into."),
    "answer_initiative_unwanted": ("Et initiativ angives kun ved svaret »Taget videre i et "
                                   "initiativ«.",
                                   "An initiative is given only with the answer \"Taken "
                                   "forward into an initiative\"."),
    # the participation loop: the inbox speaks of the reader's own idea as theirs
    "notify_yours_idea_approved": ("Din idé er godkendt", "Your idea was approved"),
    "notify_yours_idea_rejected": ("Din idé blev afvist", "Your idea was rejected"),
    "notify_yours_idea_merged": ("Din idé blev lagt sammen med en anden",
                                 "Your idea was merged with another"),
    "notify_yours_idea_answered": ("Din idé har fået svar", "Your idea was answered"),
    "notify_yours_idea_adopted": ("Din idé er taget med i handlingsplanen",
                                  "Your idea was taken into the action plan"),
    "notify_yours_milestone_reached": ("En milepæl er nået for din idé",
                                       "A milestone was reached for your idea"),
    "notify_yours_comment_reply": ("Nyt svar på din kommentar", "A reply to your comment"),
}


def translate(key: str, lang: str) -> str:
    pair = WORDS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "da" else pair[1]


# the parts and fields of "my data", in words (others read as their field name)
DATA_LABELS: dict[str, tuple[str, str]] = {
    "participant_id": ("Dit deltager-id", "Your participant id"),
    "identity": ("Profil og login", "Profile and sign-in"),
    "ideas": ("Idéer, rettelser, anmeldelser og afgørelser",
              "Ideas, revisions, flags and decisions"),
    "voting": ("Stemmer", "Votes"),
    "reporting": ("Kopier, som rapporterne tæller ud fra", "Copies the reports count from"),
    "profile": ("Profil", "Profile"), "display_name": ("Navn", "Name"),
    "email": ("E-mail", "E-mail"), "organisation": ("Organisation", "Organisation"),
    "sector": ("Sektor", "Sector"), "show_name": ("Vis mit navn", "Show my name"),
    "created_at": ("Oprettet", "Created"), "updated_at": ("Ændret", "Changed"),
    "revisions": ("Versioner", "Revisions"), "flags": ("Anmeldelser", "Flags"),
    "withdrawals": ("Tilbagetrækninger", "Withdrawals"),
    "decisions": ("Moderatorernes afgørelser", "Moderators' decisions"),
    "votes": ("Stemmer", "Votes"), "idea_id": ("Idé-id", "Idea id"),
    "campaign_id": ("Kampagne-id", "Campaign id"), "title": ("Titel", "Title"),
    "body": ("Beskrivelse", "Description"), "tags": ("Emneord", "Tags"),
    "status": ("Status", "Status"), "status_reason": ("Begrundelse", "Reason"),
    "submitted_at": ("Indsendt", "Submitted"), "revision": ("Version", "Revision"),
    "reason": ("Begrundelse", "Reason"), "note": ("Bemærkning", "Note"),
    "flagged_at": ("Anmeldt", "Flagged"), "decision": ("Afgørelse", "Decision"),
    "moderator": ("Moderator", "Moderator"), "decided_at": ("Afgjort", "Decided"),
    "kind": ("Art", "Kind"), "value": ("Stemme", "Vote"), "state": ("Tilstand", "State"),
    "occurred_at": ("Tidspunkt", "When"), "revised_at": ("Rettet", "Revised"),
    "withdrawn_at": ("Trukket tilbage", "Withdrawn"), "author": ("Forfatter", "Author"),
}


def label(key: object, lang: str) -> str:
    pair = DATA_LABELS.get(str(key))
    if pair is None:
        return str(key).replace("_", " ")
    return pair[0] if lang == "da" else pair[1]


def readable(value: object, lang: str) -> object:
    """A JSON document with its timestamps written for people (for the "my data" page)."""
    if isinstance(value, dict):
        return {k: readable(x, lang) for k, x in value.items()}
    if isinstance(value, list):
        return [readable(x, lang) for x in value]
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return when(value, lang)
        except ValueError:
            return value
    return value


def who(pid: str | None, name: str | None, lang: str, v: object) -> str:
    """Who wrote something, as a page shows it: the display name the person agreed to show;
    otherwise "Deltager", except to staff (who must see whom they decide about) and to the
    person themself."""
    if name:
        return name
    principal = getattr(v, "principal", None)
    if pid and getattr(v, "staff", False):
        return pid
    if pid and principal is not None and principal.sub == pid:
        return translate("you", lang)
    return translate("participant", lang)


def shown(text: str | None, lang: str) -> str:
    """A participant's text as the page shows it: erased text in the page's language."""
    if text == ERASED:
        return translate("erased_text", lang)
    return text or ""


LOCAL = ZoneInfo("Europe/Copenhagen")  # the centre's time: every time on a page is in it


def when(value: str | datetime | None, lang: str) -> str:
    """A timestamp the way a person in Denmark reads it, in Danish local time."""
    if value is None:
        return ""
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    dt = dt.astimezone(LOCAL)
    if lang == "da":
        return f"{dt.day}. {MONTHS_DA[dt.month - 1]} {dt.year} kl. {dt:%H.%M}"
    return f"{dt.day} {dt:%b %Y, %H:%M}"


MONTHS_DA = ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.",
             "nov.", "dec.")


def day(value: str | date | None, lang: str) -> str:
    """A calendar day: "7. dec. 2026" / "7 Dec 2026"."""
    if value is None or value == "":
        return ""
    d = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if lang == "da":
        return f"{d.day}. {MONTHS_DA[d.month - 1]} {d.year}"
    return f"{d.day} {d:%b %Y}"


def num(value: float | int | None, lang: str, decimals: int = 0) -> str:
    """A number with Danish separators (9.000.000; 84,2) or English ones (9,000,000; 84.2)."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "da":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def pct(value: float | int | None, lang: str) -> str:
    """A percentage with one decimal where it has one: "84,2 %", "35 %"."""
    if value is None:
        return "–"
    decimals = 0 if float(value).is_integer() else 1
    return f"{num(value, lang, decimals)} %"


def kr(value: float | int | None, lang: str) -> str:
    """An amount in Danish kroner."""
    if value is None:
        return "–"
    return f"{num(value, lang)} kr." if lang == "da" else f"DKK {num(value, lang)}"
