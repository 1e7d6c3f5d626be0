"""Risks: open ones, and those closed during the quarter, by likelihood x impact."""

from __future__ import annotations

import uuid

from schemas.plan import RiskAssessed, RiskClosed, RiskRaised
from services.reporting.domain import InitiativeState
from services.reporting.report.model import RiskLine
from services.reporting.report.quarter import Quarter
from services.reporting.report.sections.common import Ctx, title


def risks(ctx: Ctx, initiatives: list[InitiativeState], q: Quarter
          ) -> tuple[list[RiskLine], list[uuid.UUID]]:
    out, ids = [], []
    for ini in initiatives:
        for risk_id, facts in ini.risks.items():
            raised = next((f.payload for f in facts if isinstance(f.payload, RiskRaised)), None)
            if raised is None:
                continue
            likelihood, impact, mitigation, status = (raised.likelihood, raised.impact,
                                                      raised.mitigation, "open")
            closed_on = None
            for f in sorted(facts, key=lambda f: f.order):
                ids.append(f.event_id)
                if isinstance(f.payload, RiskAssessed):
                    likelihood, impact = f.payload.likelihood, f.payload.impact
                    mitigation = f.payload.mitigation
                elif isinstance(f.payload, RiskClosed):
                    status, closed_on = "closed", f.payload.closed_on
            if status == "closed" and closed_on is not None and closed_on < q.first_day:
                continue  # closed before the quarter: no longer news
            out.append(RiskLine(risk_id, title(ini), raised.title, ctx.name(raised.owner),
                                likelihood, impact, mitigation, raised.raised_on, status))
    out.sort(key=lambda r: (r.status != "open", -r.score, r.initiative, r.risk_id))
    return out, ids
