"""hashistack.checks is layered, with no import cycle (issue 11 §3):

    core -> env -> rulekit, facts -> rules (one rule to a file) -> pack -> suppressions
    -> model, __init__

Facts never import a rule; a rule imports only core, env, rulekit, jsonattr and facts (never
another rule); the pack imports the rules. Imports inside functions count; those under
`if TYPE_CHECKING:` (annotations only, never executed) do not.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from hashistack.checks.pack import DEFAULT_PACK, RULES
from hashistack.checks.rulekit import Rule

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ROOT / "hashistack" / "checks"
PKG = "hashistack.checks"
COMPAT: set[str] = set()  # rules/ holds rules only: the old helper paths are gone
BASE = {f"{PKG}.core", f"{PKG}.env", f"{PKG}.jsonattr", f"{PKG}.rulekit"}


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in sorted(CHECKS.rglob("*.py"))}


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _imports(module: str) -> set[str]:
    """The hashistack.checks modules `module` imports, at any depth of its code."""
    tree = ast.parse(MODULES[module].read_text())
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        if _type_checking(node):
            for child in getattr(node, "orelse", []):
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for a in node.names:  # `from pkg import mod` imports the module pkg.mod
                out.add(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in out if m in MODULES and m != module}


GRAPH = {m: _imports(m) for m in MODULES}


def _cycle() -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def walk(m: str) -> list[str] | None:
        state[m] = 1
        path.append(m)
        for n in sorted(GRAPH[m]):
            if state.get(n) == 1:
                return path[path.index(n):] + [n]
            if n not in state and (found := walk(n)):
                return found
        state[m] = 2
        path.pop()
        return None

    for m in sorted(GRAPH):
        if m not in state and (found := walk(m)):
            return found
    return None


def test_the_walk_sees_the_modules_and_their_imports():
    assert {f"{PKG}.core", f"{PKG}.pack", f"{PKG}.facts.jobs", f"{PKG}.rules.hs_vault_004"} \
        <= set(MODULES)
    assert f"{PKG}.facts.tokens" in GRAPH[f"{PKG}.rules.hs_vault_001"]
    assert f"{PKG}.rules.hs_vault_004" in GRAPH[f"{PKG}.pack"]


def test_no_import_cycle():
    assert _cycle() is None, " -> ".join(_cycle() or [])


def test_a_planted_cycle_is_found(monkeypatch):
    monkeypatch.setitem(GRAPH, f"{PKG}.core", GRAPH[f"{PKG}.core"] | {f"{PKG}.pack"})
    assert _cycle() is not None


@pytest.mark.parametrize("module", [m for m in MODULES if m.startswith(f"{PKG}.facts")])
def test_facts_import_only_facts_env_and_core(module):
    bad = {m for m in GRAPH[module] if m not in BASE and not m.startswith(f"{PKG}.facts")}
    assert not bad, f"{module} imports {sorted(bad)}"


RULE_MODULES = [m for m in MODULES if m.startswith(f"{PKG}.rules.hs_")]


@pytest.mark.parametrize("module", RULE_MODULES)
def test_rules_import_only_facts_env_and_core(module):
    bad = {m for m in GRAPH[module] if m not in BASE and not m.startswith(f"{PKG}.facts.")}
    assert not bad, f"{module} imports {sorted(bad)} (another rule? move the helper to facts)"


def test_rules_dir_holds_rules_only():
    others = {m for m in MODULES if m.startswith(f"{PKG}.rules.")} - set(RULE_MODULES)
    assert others == COMPAT
    assert GRAPH[f"{PKG}.rules"] == set()  # the package imports nothing


def test_pack_imports_the_rules_and_nothing_above_them():
    assert GRAPH[f"{PKG}.pack"] == set(RULE_MODULES) | {f"{PKG}.rulekit"}


@pytest.mark.parametrize("module", RULE_MODULES)
def test_one_rule_to_a_file_named_by_its_id(module):
    rules = [v for v in vars(importlib.import_module(module)).values() if isinstance(v, Rule)]
    assert len(rules) == 1, module
    [r] = rules
    assert module.rsplit(".", 1)[1] == "hs_" + r.id[3:].lower().replace("-", "_")
    assert RULES.get(r.id) is r  # in the pack, the very object


def test_the_pack_is_the_rules():
    assert [r.id for r in DEFAULT_PACK] == list(RULES)
    assert len(DEFAULT_PACK) == len(RULE_MODULES)
    for r in DEFAULT_PACK:
        assert r.check.__module__ == f"{PKG}.rules.hs_" + r.id[3:].lower().replace("-", "_")


def test_importing_a_rule_registers_nothing():
    from hashistack.checks.rulekit import ERROR, rule

    made = rule("HS-TEST-001", ERROR, "t", explanation="x", fix="y")(lambda env: ())
    assert isinstance(made, Rule) and "HS-TEST-001" not in RULES
