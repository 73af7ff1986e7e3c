"""The API reference, HTML generated from the docstrings by pdoc: `make docs`
writes it to build/docs/ (open build/docs/index.html).

    python tools/docs.py [OUTPUT_DIR] [--pure]

pdoc reads a module's `__all__` from its `__dict__`, so the construct packages'
lazy exports (hashistack/_lazy.py) are loaded first; that imports cdktf and
starts Node once. `--pure` documents only the modules that need neither (what
tests/test_docs.py builds, in seconds).
"""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The construct packages: their exports, loaded before pdoc reads them.
CONSTRUCTS = ["hashistack.vault", "hashistack.consul", "hashistack.nomad"]
# The public modules of the pure core, the checks and the review. A package
# with an `__all__` (hashistack, hashistack.checks, the construct packages)
# does not bring its submodules along: those worth reading are listed.
PURE = [
    "hashistack",
    "hashistack.errors",
    "hashistack.hcl",
    "hashistack.hcl_read",
    "hashistack.durations",
    "hashistack.versions",
    "hashistack.vault.policy",
    "hashistack.vault.acl",
    "hashistack.vault.presets",
    "hashistack.vault.hcl1",
    "hashistack.consul.connect_ca_config",
    "hashistack.consul.acl_rules",
    "hashistack.nomad.jobspec",
    "hashistack.nomad.agent_config",
    "hashistack.nomad.vault_agent",
    "hashistack.nomad.bootstrap",
    "hashistack.prometheus",
    "hashistack.checks",
    "hashistack.checks.core",
    "hashistack.checks.rulekit",
    "hashistack.checks.env",
    "hashistack.review",  # no __all__: its submodules come along
    "hashistack.migrate",  # likewise
]
# Imports cdktf, documented with the construct packages only.
BRIDGES = ["hashistack.checks.synth"]


def load_exports(package: str) -> None:
    """Put each lazy export into the package's namespace, where pdoc looks."""
    module = importlib.import_module(package)
    for name in module.__all__:
        vars(module)[name] = getattr(module, name)


def build(output: Path, *, pure: bool = False) -> list[str]:
    """Write the HTML reference to `output`; pdoc's warnings, as text."""
    import pdoc
    import pdoc.render

    modules = list(PURE)
    if not pure:
        for package in CONSTRUCTS:
            load_exports(package)
        modules += CONSTRUCTS + BRIDGES
    pdoc.render.configure(docformat="markdown", footer_text="hashistack API reference",
                          search=True, show_source=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*modules, output_directory=output)
    return [str(w.message) for w in caught]


def main(argv: list[str]) -> int:
    pure = "--pure" in argv
    args = [a for a in argv if a != "--pure"]
    output = Path(args[0]) if args else ROOT / "build" / "docs"
    problems = build(output, pure=pure)
    for problem in problems:
        print(f"docs: {problem}", file=sys.stderr)
    print(f"API reference: {output / 'index.html'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
