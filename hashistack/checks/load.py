"""Reading `cdktf.out` for the checks: the one boundary where its shape is checked.

Everything past `load_synth` may assume what is checked here: the manifest is
an object whose `stacks` are objects naming files that exist; each stack's
cdk.tf.json is a UTF-8 JSON object, at most MAX_DEPTH levels deep, whose
sections (`resource`, `data`, `provider`, ...) are objects of objects, and
whose `"//"` metadata (hashistack's and cdktf's) has the shape they write.
Attribute values inside a resource body are not checked here: the rules read
those defensively (hashistack.checks.env), since Terraform, not the loader,
decides what a provider accepts. Anything else is a CheckInputError naming
the file and the JSON path: `python -m hashistack check` exits 2 with it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from hashistack.checks.core import JsonObject
from hashistack.errors import HashistackError

MAX_DEPTH = 100  # cdktf writes about 6 levels; deeper is a corrupted or hostile file

# Sections of a Terraform JSON configuration, by shape:
# name -> kind -> name -> body (resource, data); name -> body (output, variable, ...).
TWO_LEVEL = ("resource", "data")
ONE_LEVEL = ("output", "variable", "module")
OBJECTS = ("terraform", "locals")


class CheckInputError(HashistackError):
    """The synth output cannot be read (missing directory, bad JSON, wrong shape)."""


def load_synth(outdir: str | Path) -> tuple[dict[str, JsonObject], dict[str, dict[str, str]]]:
    """Read `cdktf.out`: each stack's cdk.tf.json and its `rendered/` files."""
    root = Path(outdir)
    if not root.is_dir():
        raise CheckInputError(f"{root}: not a directory (run `make synth` first)", path=root)
    stack_files = _stack_files(root)
    hcl = [p for p in stack_files.values() if p.suffix == ".tf"]
    if hcl:
        raise CheckInputError(f"{hcl[0]}: synthesized as HCL (cdktf synth --hcl); the checks "
                              "read cdk.tf.json: synthesize without --hcl to check", path=hcl[0])
    if not stack_files:
        raise CheckInputError(f"{root}: no stacks/*/cdk.tf.json (is this a cdktf output dir?)",
                              path=root)
    synth, rendered = {}, {}
    for name, path in stack_files.items():
        doc = read_json(path)
        problem = stack_problem(doc)
        if problem:
            raise CheckInputError(f"{path}: {problem}", path=path)
        synth[name] = doc
        files = path.parent / "rendered"
        rendered[name] = {
            str(f.relative_to(files)): read_text(f)
            for f in sorted(files.rglob("*")) if f.is_file()
        } if files.is_dir() else {}
    return synth, rendered


def read_text(path: Path) -> str:
    """The file as UTF-8 text; CheckInputError naming it if it cannot be read as such."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CheckInputError(f"{path}: cannot read: {err.strerror or err}", path=path) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CheckInputError(f"{path}: not UTF-8 text (byte 0x{data[err.start]:02x} at "
                              f"offset {err.start})", path=path) from None


def read_json(path: Path) -> Any:
    """The file's JSON, at most MAX_DEPTH levels deep; CheckInputError naming it otherwise."""
    text = read_text(path)
    try:
        doc = json.loads(text)
    except RecursionError:
        raise CheckInputError(f"{path}: nested deeper than {MAX_DEPTH} levels", path=path) from None
    except ValueError as err:
        raise CheckInputError(f"{path}: bad JSON: {err}", path=path) from None
    if _depth(doc) > MAX_DEPTH:
        raise CheckInputError(f"{path}: nested deeper than {MAX_DEPTH} levels", path=path)
    return doc


def _depth(doc: Any) -> int:
    """Levels of nesting (a scalar is 0), without recursion."""
    deepest, todo = 0, [(doc, 1)]
    while todo:
        value, level = todo.pop()
        children = (value.values() if isinstance(value, dict)
                    else value if isinstance(value, list) else None)
        if children is None:
            continue
        deepest = max(deepest, level)
        if level <= MAX_DEPTH:  # past the limit there is nothing more to learn
            todo.extend((c, level + 1) for c in children)
    return deepest


def _stack_files(root: Path) -> dict[str, Path]:
    manifest = root / "manifest.json"
    if not manifest.is_file():
        return {p.parent.name: p for p in sorted(root.glob("stacks/*/cdk.tf.json"))}
    doc = read_json(manifest)
    problem = (_expect(doc, "$", dict) or _expect(doc.get("stacks"), "$.stacks", dict))
    if problem:
        raise CheckInputError(f"{manifest}: {problem}", path=manifest)
    if not doc["stacks"]:
        raise CheckInputError(f"{manifest}: $.stacks: lists no stack", path=manifest)
    out = {}
    for name, entry in sorted(doc["stacks"].items()):
        where = f"$.stacks.{_key(name)}"
        problem = _expect(entry, where, dict) or _expect(
            entry.get("synthesizedStackPath"), f"{where}.synthesizedStackPath", str)
        if problem:
            raise CheckInputError(f"{manifest}: {problem}", path=manifest)
        out[name] = _stack_path(root, entry["synthesizedStackPath"], manifest,
                                f"{where}.synthesizedStackPath")
    return out


def _stack_path(root: Path, relative: str, manifest: Path, where: str) -> Path:
    """The manifest's path for a stack, which must name a file inside `root`."""
    path = root / relative
    try:
        inside = path.resolve().is_relative_to(root.resolve())
        found = inside and path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte
        found = False
    if not found:
        shown = json.dumps(relative[:80] + ("..." if len(relative) > 80 else ""))
        raise CheckInputError(f"{manifest}: {where}: {shown} is not a file in {root}",
                              path=manifest)
    return path


# Shape --------------------------------------------------------------------------

_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
          int: "a number", float: "a number", type(None): "null"}
_BARE = re.compile(r"[A-Za-z_][\w-]*")


def _key(key: Any) -> str:
    if isinstance(key, int):
        return f"[{key}]"
    return key if _BARE.fullmatch(key) else json.dumps(key)


def _found(value: Any) -> str:
    name = _NAMES.get(type(value), type(value).__name__)
    if isinstance(value, str):
        return f"{name} ({json.dumps(value[:40])}{'...' if len(value) > 40 else ''})"
    return name


def _expect(value: Any, where: str, *types: type, optional: bool = False) -> str | None:
    if optional and value is None:
        return None
    if isinstance(value, types) and not (bool not in types and isinstance(value, bool)
                                         and int in types):
        return None
    wanted = " or ".join(dict.fromkeys(_NAMES[t] for t in types))
    return f"{where}: expected {wanted}, found {_found(value)}"


def stack_problem(doc: Any) -> str | None:
    """Why a cdk.tf.json document is not shaped as cdktf writes it, or None."""
    problem = _expect(doc, "$", dict)
    if problem:
        return problem
    for section in TWO_LEVEL:
        kinds = doc.get(section)
        problem = _expect(kinds, f"$.{section}", dict, optional=True)
        for kind, items in (kinds or {}).items() if not problem else ():
            where = f"$.{section}.{_key(kind)}"
            problem = _expect(items, where, dict)
            for name, body in (items.items() if not problem else ()):
                problem = _body_problem(body, f"{where}.{_key(name)}")
                if problem:
                    break
            if problem:
                break
        if problem:
            return problem
    for section in ONE_LEVEL:
        items = doc.get(section)
        problem = _expect(items, f"$.{section}", dict, optional=True)
        for name, body in (items or {}).items() if not problem else ():
            problem = _body_problem(body, f"$.{section}.{_key(name)}")
            if problem:
                break
        if problem:
            return problem
    for section in OBJECTS:
        problem = _expect(doc.get(section), f"$.{section}", dict, optional=True)
        if problem:
            return problem
    providers = doc.get("provider")
    problem = _expect(providers, "$.provider", dict, optional=True)
    for kind, blocks in (providers or {}).items() if not problem else ():
        where = f"$.provider.{_key(kind)}"
        items = blocks if isinstance(blocks, list) else [blocks]
        for i, body in enumerate(items):
            problem = _body_problem(body, f"{where}[{i}]" if isinstance(blocks, list) else where)
            if problem:
                return problem
    return problem or _meta_problem(doc.get("//"))


def _body_problem(body: Any, where: str) -> str | None:
    """A block body: an object, whose `"//"` (cdktf metadata, hashistack suppressions)
    is shaped as written. Its attributes are the rules' business."""
    problem = _expect(body, where, dict)
    if problem:
        return problem
    meta = body.get("//")
    where = f'{where}."//"'
    problem = _expect(meta, where, dict, optional=True)
    if problem or meta is None:
        return problem
    metadata = meta.get("metadata")
    problem = _expect(metadata, f"{where}.metadata", dict, optional=True)
    if problem:
        return problem
    if metadata is not None:
        problem = _expect(metadata.get("path"), f"{where}.metadata.path", str, optional=True)
        if problem:
            return problem
    return _entries_problem(meta.get("hashistack_suppressions"),
                            f"{where}.hashistack_suppressions")


def _entries_problem(entries: Any, where: str) -> str | None:
    problem = _expect(entries, where, list, optional=True)
    if problem:
        return problem
    for i, e in enumerate(entries or []):
        problem = _expect(e, f"{where}[{i}]", dict)
        if problem:
            return problem
    return None


def _meta_problem(meta: Any) -> str | None:
    """The stack's `"//"`: cdktf's metadata, and hashistack's environment declaration."""
    problem = _expect(meta, '$."//"', dict, optional=True)
    if problem or meta is None:
        return problem
    declared = meta.get("hashistack")
    where = '$."//".hashistack'
    problem = _expect(declared, where, dict, optional=True)
    if problem or declared is None:
        return problem
    for key in ("environment", "tier", "nomad_version", "integration"):
        problem = _expect(declared.get(key), f"{where}.{key}", str, optional=True)
        if problem:
            return problem
    return _entries_problem(declared.get("suppressions"), f"{where}.suppressions")
