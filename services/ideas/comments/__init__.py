"""Comments on published ideas, one subject of the ideas service with its own rooms: the pure
rules (`domain.py`), the projection's SQL (`projections.py`), the reads (`queries.py`), the
handlers of events and commands (`handlers.py`, registered in `services/ideas/handlers.py`), the
request and response bodies (`models.py`) and the routes (`api.py`)."""
