"""Every public class and public method of the public API says what it is for
(issue 11 §1): the API reference (`make docs`) is generated from these docstrings.

Read from the source (ast), not from the imported objects: no cdktf or Node is
started, and a dataclass's generated `__doc__` (its signature) or a docstring
inherited from a base class does not pass for one.
"""

from __future__ import annotations

import ast
import importlib
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The construct packages: what their lazy export maps name (importing the map
# does not import the constructs).
LAZY = ("hashistack.vault", "hashistack.consul", "hashistack.nomad")
# Pure modules: their `__all__`, or else every public top-level class and function.
# What `make docs` publishes (tools/docs.py), and the review's modules: every
# public class and method there has a docstring.
_DOCS = importlib.util.spec_from_file_location("_docs", Path(__file__).parents[1] / "tools"
                                               / "docs.py")
assert _DOCS is not None and _DOCS.loader is not None
_docs = importlib.util.module_from_spec(_DOCS)
_DOCS.loader.exec_module(_docs)
MODULES = tuple(dict.fromkeys([
    *_docs.PURE, *_docs.BRIDGES,
    "hashistack.review.compare", "hashistack.review.model", "hashistack.review.report",
    "hashistack.review.plan",
]))

def _file(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, module
    return Path(spec.origin)


@cache
def _tree(module: str) -> ast.Module:
    return ast.parse(_file(module).read_text(encoding="utf-8"))


def _top_level(module: str) -> dict[str, ast.AST]:
    return {n.name: n for n in _tree(module).body
            if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))}


def _lazy_map(package: str) -> dict[str, str]:
    """`_CONSTRUCTS` of a package `__init__`, read from its source."""
    for node in _tree(package).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and getattr(node.targets[0], "id", None) == "_CONSTRUCTS"):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{package}: no _CONSTRUCTS map")


def _public(module: str) -> list[tuple[str, str]]:
    """(name, defining module) of each public class and function of `module`."""
    mod = importlib.import_module(module)
    names = getattr(mod, "__all__", None)
    if names is None:
        return [(n, module) for n in _top_level(module) if not n.startswith("_")]
    out = []
    for name in names:
        obj = getattr(mod, name)
        if isinstance(obj, type) or callable(obj) and hasattr(obj, "__code__"):
            out.append((name, obj.__module__))
    return out


def _api() -> list[tuple[str, str]]:
    found = {(name, f"{package}.{module}") for package in LAZY
             for name, module in _lazy_map(package).items()}
    for module in MODULES:
        found.update(_public(module))
    return sorted(found, key=lambda x: (x[1], x[0]))


def _is_overload(node: ast.AST) -> bool:
    return any(getattr(d, "id", getattr(d, "attr", None)) == "overload"
               for d in getattr(node, "decorator_list", []))


def _is_setter(node: ast.AST) -> bool:
    return any(isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter")
               for d in getattr(node, "decorator_list", []))


def _missing(name: str, module: str) -> list[str]:
    node = _top_level(module).get(name)
    assert node is not None, f"{module}.{name}: not a class or function defined there"
    where = f"{module}.{name}"
    out = [] if ast.get_docstring(node) else [where]
    if isinstance(node, ast.ClassDef):
        for item in node.body:
            if (isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and not item.name.startswith("_") and not _is_overload(item)
                    and not _is_setter(item) and not ast.get_docstring(item)):
                out.append(f"{where}.{item.name}")
    return out


API = _api()


def test_the_walk_sees_the_public_api():
    names = {f"{m}.{n}" for n, m in API}
    for expected in ("hashistack.vault.kv.KvV2", "hashistack.consul.connect_ca.ConnectCa",
                     "hashistack.nomad.job.NomadJob", "hashistack.vault.acl.Acl",
                     "hashistack.vault.policy.document.PolicyDocument", "hashistack.hcl.render",
                     "hashistack.checks.core.Report", "hashistack.errors.HashistackError",
                     "hashistack.nomad.jobspec.model.Job", "hashistack.review.compare.review"):
        assert expected in names


@pytest.mark.parametrize(("name", "module"), API, ids=[f"{m}.{n}" for n, m in API])
def test_public_classes_and_methods_have_docstrings(name, module):
    missing = list(_missing(name, module))
    assert not missing, f"no docstring: {', '.join(missing)}"
