"""The room plan of every service, checked: what a newcomer relies on when reading the code.

Each business service has the same rooms (`domain.py`, `handlers.py`, `projections.py`,
`queries.py`, `api.py`, `worker.py`, `settings.py`, `migrations/`); no service imports another;
SQL lives only in projections, queries and migrations; a domain imports only the standard library,
`schemas` and numpy (arithmetic on arrays, no I/O: equal shares runs on it); clients talk to
the services through HTTP and topics, never through their code.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
BUSINESS = ("ideas", "voting", "reporting", "identity")
ROOMS = ("domain", "handlers.py", "projections", "queries", "api.py", "worker.py",
         "settings.py", "migrations")
# infra's generic consumer, migration runner, replay tool and event archive write their own SQL
PURE_LIBRARIES = {"schemas", "numpy"}
SQL_ALLOWED_IN_INFRA = {"consumer.py", "db.py", "replay.py", "archive.py", "archive_io.py", "health.py",
                        "vault.py", "log_tree.py"}
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\w+(\.\w+)?\s+SET|"
                 r"CREATE\s+(TABLE|INDEX|SCHEMA)|TRUNCATE\s|ON\s+CONFLICT)\b",
                 re.IGNORECASE | re.DOTALL)


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and n.body and isinstance(n.body[0], ast.Expr)
                  and isinstance(n.body[0].value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings:
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values
                           if isinstance(v, ast.Constant) and isinstance(v.value, str))
            found.append((node.lineno, text))
    return found


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("service", BUSINESS)
def test_every_service_has_the_same_rooms(service: str) -> None:
    folder = SERVICES / service
    missing = [room for room in ROOMS
               if not ((folder / room).exists() or (folder / f"{room}.py").exists())]
    assert not missing, f"services/{service} lacks {missing}"


def test_no_service_imports_another() -> None:
    crossings = []
    for service in BUSINESS:
        for path in _modules(SERVICES / service):
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] == "services" and len(parts) > 1 and parts[1] not in (service, "infra"):
                    crossings.append(f"{_rel(path)} imports {name}")
    assert not crossings, "\n".join(crossings)


def _client_may_import(name: str) -> bool:
    parts = name.split(".")
    if parts[0] != "services" or len(parts) == 1 or parts[1] == "infra":
        return True
    # a service's pure rules (no I/O) let a client judge a whole file before publishing any of
    # it; everything else of a service is reached through HTTP and topics
    return len(parts) >= 3 and parts[2] == "domain"


def test_clients_use_no_service_code() -> None:
    crossings = [f"{_rel(path)} imports {name}"
                 for path in _modules(ROOT / "clients") for name in _imports(path)
                 if not _client_may_import(name)]
    assert not crossings, "\n".join(crossings)


def _sql_may_live_in(path: Path) -> bool:
    rel = path.relative_to(SERVICES)
    if rel.parts[0] == "infra":
        return rel.name in SQL_ALLOWED_IN_INFRA
    return any(part.removesuffix(".py") in ("projections", "queries", "migrations")
               for part in rel.parts)


def test_sql_lives_only_in_projections_queries_and_migrations() -> None:
    stray = [f"{_rel(path)}:{line}: {text.strip()[:60]!r}"
             for path in _modules(SERVICES) if not _sql_may_live_in(path)
             for line, text in _strings(path) if SQL.search(text)]
    assert not stray, "SQL outside projections/queries/migrations:\n" + "\n".join(stray)


@pytest.mark.parametrize("service", BUSINESS)
def test_a_domain_imports_only_the_standard_library_and_schemas(service: str) -> None:
    # numpy: equal shares on arrays (services/voting/domain/selection.py), pure arithmetic
    stdlib = sys.stdlib_module_names | {"__future__"}
    # a subject with rooms of its own (services/ideas/comments/) keeps its rules pure too
    domains = [SERVICES / service / "domain.py", *sorted((SERVICES / service).glob("domain/*.py")),
               *sorted((SERVICES / service).glob("*/domain.py"))]
    bad = [f"{_rel(path)} imports {name}" for path in domains if path.exists()
           for name in _imports(path)
           if name.split(".")[0] not in stdlib and name.split(".")[0] not in PURE_LIBRARIES
           and not name.startswith(f"services.{service}.domain")]
    assert not bad, "\n".join(bad)


def test_the_layout_test_sees_a_crossing_when_there_is_one(tmp_path: Path) -> None:
    # the checks above must be able to fail: feed them a module that breaks each rule
    bad = tmp_path / "bad.py"
    bad.write_text('import asyncpg\nfrom services.voting import queries\n'
                   'Q = "SELECT idea_id FROM voting.tallies"\n', encoding="utf-8")
    assert "services.voting" in _imports(bad) and "asyncpg" in _imports(bad)
    assert any(SQL.search(text) for _, text in _strings(bad))
