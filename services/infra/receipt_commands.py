"""`ideastorm verify-receipt FILE --public-key KEY`: check a vote receipt away from the system.

FILE is the `proof` of a `POST /receipts/verify` answer (or the whole answer): a receipt, a
signed head and an inclusion proof. KEY is the installation's public key as `GET /log/heads`
publishes it (base64), or a file holding it. Nothing else is read: no database, no broker, no
network. Exit status 0 when the receipt is genuine and its record is in the signed log, 1 when
it is not, 2 when the file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from services.infra import transparency


def _say(text: str, *, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(text + "\n")


def check(bundle_text: str, key_text: str) -> tuple[int, list[str]]:
    """(exit status, lines to say) for a file's text and a public key's text."""
    try:
        public = transparency.load_public_key(key_text)
    except ValueError as exc:
        return 2, [f"the public key: {exc}"]
    try:
        data = json.loads(bundle_text)
        if isinstance(data, dict) and isinstance(data.get("proof"), dict):
            data = data["proof"]  # the whole answer of POST /receipts/verify
        bundle = transparency.Bundle.model_validate(data)
    except (ValueError, ValidationError) as exc:
        return 2, [f"not a receipt with its head and proof: {str(exc).splitlines()[0]}"]
    problems = transparency.verify_bundle(bundle, public)
    r, h = bundle.receipt, bundle.head
    if problems:
        return 1, ["REFUSED", *(f"- {p}" for p in problems)]
    return 0, [
        "OK: the receipt is genuine and its record is in the signed log",
        f"event {r.event_id}: {r.log} partition {r.partition} position {r.position}, "
        f"recorded {r.recorded_at.isoformat()}",
        f"head: {h.tree_size} records, root {h.root_hash}, signed {h.signed_at.isoformat()} "
        f"by key {h.key_id}",
        f"proof: {len(bundle.inclusion.path)} hashes",
    ]


def cmd_verify_receipt(args: argparse.Namespace) -> int:
    try:
        bundle_text = Path(args.file).read_text(encoding="utf-8")
        key_text = args.public_key
        if Path(key_text).is_file():
            key_text = Path(key_text).read_text(encoding="utf-8")
    except OSError as exc:
        _say(f"cannot read: {exc}", err=True)
        return 2
    status, lines = check(bundle_text, key_text)
    for line in lines:
        _say(line, err=status != 0)
    return status


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("verify-receipt", help="check a vote receipt, its signed head and its "
                                              "inclusion proof with the public key alone")
    p.add_argument("file", help="the `proof` of POST /receipts/verify, saved as JSON")
    p.add_argument("--public-key", required=True,
                   help="the installation's public key (base64, from GET /log/heads), or a file "
                        "holding it")
    p.set_defaults(func=cmd_verify_receipt)
