"""The library type-checks, and its public API is typed for its users.

`mypy` runs once (configured in pyproject.toml: strict on the whole package) over the
package together with two small user files: one that uses every export
(`disallow_any_expr`: no exported name may be `Any`) and one that misspells a
method, which mypy must refuse. pyright (npm) reads the same two files: each
export reveals as its own class, and the same misuses are refused. The package
exports stay lazy at run time.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("hashistack.vault", "hashistack.consul", "hashistack.nomad")

pytest.importorskip("mypy", reason="mypy is a dev package (pipenv sync --dev)")


def _exports(package: str) -> dict[str, str]:
    """name -> module, from the package's `_CONSTRUCTS` table."""
    return dict(importlib.import_module(package)._CONSTRUCTS)


def _type_checking_imports(package: str) -> dict[str, str]:
    """name -> module, from the package's `if TYPE_CHECKING:` imports."""
    path = ROOT / (package.replace(".", "/") + "/__init__.py")
    found: dict[str, str] = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom), ast.dump(imp)
                for alias in imp.names:
                    # `X as X`: re-exported for mypy's no_implicit_reexport and pyright.
                    assert alias.asname == alias.name, f"{package}: import {alias.name} as itself"
                    found[alias.name] = imp.module.removeprefix(f"{package}.")
    return found


USES_EVERY_EXPORT = """\
# mypy: disallow-any-expr
from hashistack.consul import {consul}
from hashistack.nomad import {nomad}
from hashistack.vault import {vault}

exported = [{every}]
"""

# A user's stack, typed through: the calls must check, and the last lines must not.
USER_STACK = """\
from hashistack.checks import suppress
from hashistack.checks.synth import apply_checks
from hashistack.consul import ConnectCa
from hashistack.nomad import NomadJob
from hashistack.nomad.jobspec import Job
from hashistack.vault import KvV2, NomadWorkloadIdentity, PkiHierarchy, VaultPolicy
from constructs import Construct


def build(scope: Construct, job: Job) -> None:
    kv = KvV2(scope, "kv", path="secret")
    policy = VaultPolicy(scope, "p", name="myapp")
    wi = NomadWorkloadIdentity(scope, "wi", jwks_url="https://nomad:4646/.well-known/jwks.json")
    pki = PkiHierarchy(scope, "pki")
    ConnectCa(scope, "ca", vault_address="https://vault:8200", pki=pki)
    app = NomadJob(scope, "myapp", job=job)
    app.use_secret(kv, "myapp", {"DB_USER": "username"}, policy=policy)
    kv.grant_read(policy, "myapp")
    kv.grant_raed(policy, "myapp")  # BAD attr-defined
    ConnectCa(scope, "ca2", vault_address="https://vault:8200", pki=kv)  # BAD arg-type
    app.use_secret(kv, "myapp", {"DB_USER": "username"}, policy=wi)  # BAD arg-type
    suppress(kv, "HS-VAULT-004", "break-glass, ticket SEC-42")
    apply_checks(scope)
    suppress(42, "HS-VAULT-004", "break-glass, ticket SEC-42")  # BAD arg-type
"""


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory) -> tuple[int, list[str]]:
    """(exit status, error lines) of one mypy run over hashistack/ and the user files."""
    user = tmp_path_factory.mktemp("typing_user")
    names = {p.rsplit(".", 1)[1]: sorted(_exports(p)) for p in PACKAGES}
    every = ", ".join(n for p in names.values() for n in p)
    (user / "uses_every_export.py").write_text(USES_EVERY_EXPORT.format(
        every=every, **{k: ", ".join(v) for k, v in names.items()}))
    (user / "user_stack.py").write_text(USER_STACK)
    # The project's configuration, the package, the two files; the project's own
    # cache, so a rerun is incremental.
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml",
         "--no-error-summary", "--show-error-codes", "--no-color-output", "--no-pretty",
         "hashistack", str(user / "uses_every_export.py"), str(user / "user_stack.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    status, out, err = done.returncode, done.stdout, done.stderr
    assert status in (0, 1), f"mypy crashed (status {status}):\n{out}\n{err}"
    return status, [line for line in out.splitlines() if ": error:" in line]


def _errors_in(errors: list[str], name: str) -> list[str]:
    return [e for e in errors if re.match(rf"(.*/)?{re.escape(name)}:\d+:", e)]


def test_type_checking_imports_match_lazy_exports():
    for package in PACKAGES:
        assert _type_checking_imports(package) == _exports(package), package
        mod = importlib.import_module(package)
        assert sorted(mod.__all__) == sorted(_exports(package))


def test_public_modules_type_check(mypy_run):
    _, errors = mypy_run
    assert [e for e in errors if e.startswith("hashistack/")] == []


def test_whole_package_type_checks(mypy_run):
    status, errors = mypy_run
    assert [e for e in errors if e.startswith("hashistack/")] == []


def test_every_export_is_a_type_not_any(mypy_run):
    _, errors = mypy_run
    assert _errors_in(errors, "uses_every_export.py") == []


def test_user_code_is_checked_against_the_api(mypy_run):
    _, errors = mypy_run
    found = _errors_in(errors, "user_stack.py")
    bad = [i for i, line in enumerate(USER_STACK.splitlines(), 1) if "# BAD" in line]
    assert sorted(int(e.split(":")[1]) for e in found) == bad, "\n".join(found)
    for line in bad:
        code = USER_STACK.splitlines()[line - 1].rsplit("# BAD ", 1)[1]
        assert any(f":{line}:" in e and f"[{code}]" in e for e in found), (line, found)
    typo = next(e for e in found if "[attr-defined]" in e)
    assert '"KvV2" has no attribute "grant_raed"' in typo  # not Any: the class is known


def test_packages_import_without_cdktf():
    """The lazy exports: the pure modules beside the constructs load without Node."""
    code = textwrap.dedent("""
        import sys
        import hashistack.vault, hashistack.consul, hashistack.nomad
        import hashistack.vault.policy, hashistack.vault.acl, hashistack.hcl
        import hashistack.nomad.jobspec, hashistack.nomad.agent_config
        import hashistack.nomad.vault_agent, hashistack.consul.connect_ca_config
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("jsii", "cdktf", "constructs")
                       or m.startswith("cdktf_"))
        print(heavy)
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"



# pyright (npm, node_modules/) over the same two user files: strict mode reports
# any export whose type it cannot know; the misuses must be refused there too.
PYRIGHT = ROOT / "node_modules" / ".bin" / "pyright"
PYRIGHT_RULES = {"attr-defined": "reportAttributeAccessIssue",
                 "arg-type": "reportArgumentType"}


@pytest.fixture(scope="module")
def pyright_run(tmp_path_factory) -> list[dict]:
    if not PYRIGHT.exists():
        pytest.skip("pyright is not installed in node_modules/ (run `make test`)")
    import json

    user = tmp_path_factory.mktemp("pyright_user")
    names = {p.rsplit(".", 1)[1]: sorted(_exports(p)) for p in PACKAGES}
    every = ", ".join(n for p in names.values() for n in p)
    strict = USES_EVERY_EXPORT.replace("# mypy: disallow-any-expr", "# pyright: strict")
    reveal = "".join(f"reveal_type({n})\n" for p in names.values() for n in p)
    (user / "uses_every_export.py").write_text(strict.format(
        every=every, **{k: ", ".join(v) for k, v in names.items()}) + reveal)
    (user / "user_stack.py").write_text(USER_STACK)
    done = subprocess.run(
        [str(PYRIGHT), "--outputjson", "--pythonpath", str(ROOT / ".venv" / "bin" / "python"),
         str(user / "uses_every_export.py"), str(user / "user_stack.py")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)["generalDiagnostics"]


def test_pyright_sees_every_export_as_its_own_type(pyright_run):
    mine = [d for d in pyright_run if d["file"].endswith("uses_every_export.py")]
    assert [d for d in mine if d["severity"] == "error"] == []
    revealed = {d["message"] for d in mine if d["severity"] == "information"}
    for package in PACKAGES:
        for name in _exports(package):  # not Any, not Unknown: the class itself
            assert f'Type of "{name}" is "type[{name}]"' in revealed, (name, sorted(revealed))


def test_pyright_refuses_the_same_misuses(pyright_run):
    found = {(d["range"]["start"]["line"] + 1, d.get("rule")) for d in pyright_run
             if d["file"].endswith("user_stack.py") and d["severity"] == "error"}
    expected = {(i, PYRIGHT_RULES[line.rsplit("# BAD ", 1)[1]])
                for i, line in enumerate(USER_STACK.splitlines(), 1) if "# BAD" in line}
    assert found == expected


# pyright over the package itself (its default, basic mode; mypy holds the strict
# line): no error and no warning, except known gaps (jsii or cdktf typing) listed
# here with their reason, each as (file, rule, start of the message). None today.
PYRIGHT_KNOWN: set[tuple[str, str, str]] = set()


def test_pyright_finds_nothing_in_the_package():
    if not PYRIGHT.exists():
        pytest.skip("pyright is not installed in node_modules/ (run `make test`)")
    import json

    done = subprocess.run(
        [str(PYRIGHT), "--outputjson", "--pythonpath", str(ROOT / ".venv" / "bin" / "python"),
         "hashistack"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr
    found = [d for d in json.loads(done.stdout)["generalDiagnostics"]
             if d["severity"] in ("error", "warning")]
    unknown = [
        f'{d["file"]}:{d["range"]["start"]["line"] + 1}: {d["severity"]} {d.get("rule")}: '
        f'{d["message"]}' for d in found
        if not any(d["file"].endswith("/" + path) and d.get("rule") == rule
                   and d["message"].startswith(start) for path, rule, start in PYRIGHT_KNOWN)]
    assert unknown == [], "\n".join(unknown)
