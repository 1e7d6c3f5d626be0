"""Imports every event module once so that the registry in `schemas.base` is complete."""

from __future__ import annotations

import importlib

MODULES = (
    "schemas.campaigns",
    "schemas.ideas",
    "schemas.moderation",
    "schemas.votes",
    "schemas.plan",
    "schemas.governance",
    "schemas.reports",
    "schemas.identity",
    "schemas.comments",
    "schemas.participation",
)

_loaded = False


def load_all() -> None:
    global _loaded
    if _loaded:
        return
    for name in MODULES:
        importlib.import_module(name)
    _loaded = True
