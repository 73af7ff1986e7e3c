"""A review as Markdown (for a pull-request comment), text or JSON."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict

from hashistack.review.model import AccessChange, ResourceChange, Review

# GitHub refuses a comment body over 65,536 characters; keep a margin for the
# marker line the workflow adds to find its own comment again.
COMMENT_LIMIT = 65_000
VERBS = {"create": "add", "update": "change", "replace": "replace", "delete": "destroy"}
SIGNS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}


def summary(review: Review) -> str:
    """One line: alarms, broadening, access changes, resources."""
    if review.empty:
        return "no changes"
    parts = []
    if review.alarms:
        parts.append(_n(len(review.alarms), "alarm"))
    broadening = [a for a in review.access if a.broadening]
    if broadening:
        parts.append(f"{_n(len({a.identity for a in broadening}), 'identity', 'identities')} "
                     "with broader access")
    if review.access:
        parts.append(_n(len(review.access), "access change"))
    counts = Counter(c.action for c in review.resources)
    if counts:
        parts.append(", ".join(f"{counts[a]} to {VERBS[a]}" for a in VERBS if counts[a]))
    if review.findings:
        parts.append(_n(len(review.findings), "new check finding"))
    if not parts:
        parts.append(_n(len(review.policies), "policy text change") + " (no access change)")
    return "; ".join(parts)


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def to_json(review: Review) -> str:
    return json.dumps({
        "summary": summary(review),
        "needs_approval": bool(review.alarms or review.broadening),
        "alarms": [asdict(a) for a in review.alarms],
        "access": [asdict(a) for a in review.access],
        "policies": [asdict(p) for p in review.policies],
        "findings": [f.to_json() for f in review.findings],
        "resources": [asdict(c) for c in review.resources],
    }, indent=2, default=str)


def to_text(review: Review) -> str:
    lines = [f"hashistack review: {summary(review)}"]
    for a in review.alarms:
        lines.append(f"ALARM {a.environment} {a.stack}: {a.message}")
    for a in review.access:
        tag = f"  [broadening: {', '.join(a.broadening)}]" if a.broadening else ""
        lines.append(f"access {a.environment} {a.identity} {a.path}: "
                     f"+{','.join(a.gained) or '-'} -{','.join(a.lost) or '-'}{tag}")
    for p in review.policies:
        if not p.effective:
            lines.append(f"policy {p.environment} {p.policy}: text changed, access unchanged")
    for f in review.findings:
        lines.append(f"new finding [{f.rule}] {f.level} {f.stack} {f.resource}: {f.message}")
    for c in review.resources:
        lines.append(f"{SIGNS[c.action]:>3} {c.stack} {c.address}{_renamed(c)}")
        for attr in c.attributes:
            forced = "  # forces replacement" if attr.forces_replacement else ""
            lines.append(f"      {attr.path}: {_short(attr.before)} -> {_short(attr.after)}"
                         f"{forced}")
    return "\n".join(lines) + "\n"


def to_markdown(review: Review, limit: int = COMMENT_LIMIT) -> str:
    head = [f"### hashistack review: {summary(review)}", ""]
    if review.alarms:
        head += ["> [!CAUTION]", f"> **{_n(len(review.alarms), 'alarm')}: approval needed**"]
        head += [f"> - `{a.stack}` {_md(a.message)}" for a in review.alarms]
        head.append("")
    if review.access:
        head += ["#### Vault access, per identity", "",
                 "| environment | identity | path | gained | lost | broadening |",
                 "|---|---|---|---|---|---|"]
        head += [_access_row(a) for a in _access_order(review.access)]
        head.append("")
    quiet = [p for p in review.policies if not p.effective]
    if quiet:
        names = ", ".join(f"`{p.policy}` ({p.environment})" for p in quiet)
        head += [f"Policy text changed with no change in anyone's access: {names}.", ""]
    if review.findings:
        head += ["#### New check findings", ""]
        head += [f"- **{f.rule}** {f.level}, `{f.stack}` `{f.resource or '-'}`: "
                 f"{_md(f.message)}" for f in review.findings]
        head.append("")
    text = "\n".join(head) + "\n"  # a blank line: a table ends before <details>
    by_stack: dict[str, list[ResourceChange]] = defaultdict(list)
    for c in review.resources:
        by_stack[c.stack].append(c)
    stacks = sorted(by_stack)
    sections = [_stack_section(s, by_stack[s]) for s in stacks]
    budget = limit - len(text) - 200
    if sum(len(s) for s in sections) > budget:
        share = max(budget // max(len(stacks), 1), 400)
        sections = [_stack_section(s, by_stack[s], share) for s in stacks]
    text += "\n".join(sections)
    if len(text) > limit:  # the head alone is too long: cut it, and say so
        note = "\n\n_… cut at GitHub's comment size; run `make preview` for the rest._\n"
        text = text[: limit - len(note)] + note
    return text


def _stack_section(stack: str, changes: list[ResourceChange], limit: int | None = None) -> str:
    counts = Counter(c.action for c in changes)
    said = ", ".join(f"{counts[a]} to {VERBS[a]}" for a in VERBS if counts[a])
    top = [f"<details><summary><code>{stack}</code>: {said}</summary>", "",
           "| | address | construct | what changes |", "|---|---|---|---|"]
    end = ["", "</details>", ""]
    rows = [_resource_row(c) for c in changes]
    size = sum(len(x) + 1 for x in top + end)
    kept = []
    for row in rows:
        if limit is not None and size + len(row) + 1 > limit - 120:
            break
        kept.append(row)
        size += len(row) + 1
    if len(kept) < len(rows):
        kept.append(f"| | _{len(rows) - len(kept)} more not shown: the comment has GitHub's "
                    "size limit; `make preview` shows all_ | | |")
    return "\n".join(top + kept + end)


def _resource_row(c: ResourceChange) -> str:
    what = "; ".join(f"`{a.path}`: {_md(_short(a.before))} → {_md(_short(a.after))}"
                     f"{' **(forces replacement)**' if a.forces_replacement else ''}"
                     for a in c.attributes[:6])
    if len(c.attributes) > 6:
        what += f"; and {len(c.attributes) - 6} more"
    action = f"**{SIGNS[c.action]}**" if c.action in ("delete", "replace") else SIGNS[c.action]
    return (f"| {action} | `{c.address}`{_md(_renamed(c))} | {_md(c.construct_path)} | "
            f"{what or VERBS[c.action]} |")


def _renamed(c: ResourceChange) -> str:
    if c.renamed_to:
        return f" (renamed to {c.renamed_to})"
    if c.renamed_from:
        return f" (renamed from {c.renamed_from})"
    return ""


def _access_order(access: list[AccessChange]) -> list[AccessChange]:
    return sorted(access, key=lambda a: (not a.broadening, a.environment, a.identity, a.path))


def _access_row(a: AccessChange) -> str:
    caps = lambda xs: " ".join(f"`{x}`" for x in xs) or "–"  # noqa: E731
    why = ("**" + ", ".join(a.broadening) + "**") if a.broadening else ""
    return (f"| {a.environment} | {_md(a.identity)} | `{a.path}` | {caps(a.gained)} | "
            f"{caps(a.lost)} | {why} |")


def _short(value: object, limit: int = 80) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _md(text: str) -> str:
    """Plain text in a Markdown table cell: no pipes, tags or line breaks."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
            .replace("\n", " "))
