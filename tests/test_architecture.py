"""The shape of the code: apps import each other in one direction only, nara.core stays at the
bottom, and files stay small enough to read.

The layers, bottom up: audit (the log every app writes) → core (clock, uploads, rate limits,
access markers) → notifications → agencies → accounts → the processes (complaints, petitions,
participation and its kinds) → api → portal (front page, scheduler, demo data). An app may
import only from below; the test finds any cycle, whatever the layer names."""

import ast
from collections import defaultdict
from pathlib import Path

NARA = Path(__file__).resolve().parent.parent / "nara"
SUBAPPS = {"consultations", "proposals", "polls", "budgets", "contributions"}

MAX_LINES = 600


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "nara" or len(parts) < 2:
        return None
    if parts[1] == "participation" and len(parts) > 2 and parts[2] in SUBAPPS:
        return f"participation.{parts[2]}"
    return parts[1]


def import_graph(root: Path = NARA) -> dict[str, dict[str, set[str]]]:
    """{app: {imported app: {files that import it}}}, from every import statement (those
    inside functions included) outside migrations."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        source = app_of(module)
        if source is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for target in {app_of(name) for name in names} - {None, source}:
                graph[source][target].add(str(path.relative_to(root)))
    return graph


def cycles(graph) -> list[list[str]]:
    """Every cycle found by a depth-first walk, as the list of apps along it."""
    found, state = [], {}

    def walk(app, trail):
        state[app] = "open"
        for target in sorted(graph.get(app, ())):
            if state.get(target) == "open":
                found.append(trail[trail.index(target) :] + [target])
            elif target not in state:
                walk(target, trail + [target])
        state[app] = "done"

    for app in sorted(graph):
        if app not in state:
            walk(app, [app])
    return found


def test_no_import_cycle_between_apps():
    graph = import_graph()
    assert "complaints" in graph and "core" in graph  # the walk found the apps
    found = cycles(graph)
    detail = [" -> ".join(c) + f"  ({sorted(graph[c[-2]][c[-1]])})" for c in found]
    assert found == [], "\n".join(detail)


def test_core_imports_no_app_above_it():
    graph = import_graph()
    assert dict(graph.get("core", {})).keys() <= {"audit"}, dict(graph["core"])
    assert dict(graph.get("audit", {})) == {}


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    """The walk above must be able to fail: two apps importing each other are reported."""
    for app, other in (("alpha", "beta"), ("beta", "alpha")):
        (tmp_path / "nara" / app).mkdir(parents=True)
        (tmp_path / "nara" / app / "services.py").write_text(
            f"def f():\n    from nara.{other}.models import Thing\n"
        )
    graph = import_graph(tmp_path / "nara")
    assert cycles(graph) == [["alpha", "beta", "alpha"]]


def test_files_stay_under_the_line_limit():
    too_long = {}
    for path in NARA.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = str(path.relative_to(NARA))
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            too_long[name] = lines
    assert too_long == {}, f"split these by topic (limit {MAX_LINES} lines): {too_long}"
