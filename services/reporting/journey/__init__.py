"""One idea's journey: its route (`api.py`) and its reads (`queries.py`); the rules and the
assembly are pure, in `services.reporting.domain.journey`."""
