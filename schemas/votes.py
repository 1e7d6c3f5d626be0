"""votes events (see schemas/topics.py for their topics)."""
