"""A review as Markdown (for a pull-request comment), text or JSON."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import asdict

from hashistack.review.model import AccessChange, Action, ResourceChange, Review

# GitHub refuses a comment body over 65,536 characters; keep a margin for the
# marker line the workflow adds to find its own comment again.
COMMENT_LIMIT = 65_000
VERBS: dict[Action, str] = {
    "create": "add", "update": "change", "replace": "replace", "delete": "destroy"}
SIGNS: dict[Action, str] = {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}


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
    """The review as JSON (`--format json`): summary, whether it needs approval,
    alarms, access, policies, findings and resources."""
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
    """The review for a terminal: summary, alarms, access changes, policy text
    changes, findings and resources, one line each."""
    lines = [f"hashistack review: {summary(review)}"]
    for alarm in review.alarms:
        lines.append(f"ALARM {alarm.environment} {alarm.stack}: {alarm.message}")
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
    """Summary, alarms, the access table, new findings, then one collapsible
    section per stack. Over `limit`, whole rows and sections are left out, last
    first, each with a note saying how many: nothing is cut silently or mid-tag."""
    note_room = 400
    head = _head(review, limit - note_room)
    text = "\n".join(head) + "\n"  # a blank line: a table ends before <details>
    by_stack: dict[str, list[ResourceChange]] = defaultdict(list)
    for c in review.resources:
        by_stack[c.stack].append(c)
    budget = limit - len(text) - note_room
    sections: list[str] = []
    dropped: list[str] = []
    for stack in sorted(by_stack):
        rows = [_resource_row(c) for c in by_stack[stack]]
        # An even share of what is left for each stack still to come.
        share = budget // (len(by_stack) - len(sections) - len(dropped))
        section = _stack_section(stack, by_stack[stack], rows, share)
        if section is None:
            dropped.append(stack)
            continue
        sections.append(section)
        budget -= len(section) + 1
    text += "\n".join(sections)
    if dropped:
        text += (f"\n_{len(dropped)} more stack(s) not shown ({', '.join(dropped[:20])}"
                 f"{', ...' if len(dropped) > 20 else ''}): the comment has GitHub's size "
                 "limit; `make preview` shows all._\n")
    return text


def _head(review: Review, limit: int) -> list[str]:
    head = [f"### hashistack review: {_md(summary(review))}", ""]
    if review.alarms:
        head += ["> [!CAUTION]", f"> **{_n(len(review.alarms), 'alarm')}: approval needed**"]
        head += [f"> - `{a.stack}` {_md(a.message)}" for a in review.alarms]
        head.append("")
    if review.access:
        head += ["#### Vault access, per identity", "",
                 "| environment | identity | path | gained | lost | broadening |",
                 "|---|---|---|---|---|---|"]
        rows = [_access_row(a) for a in _access_order(review.access)]
        room = limit - sum(len(x) + 1 for x in head) - 2000  # findings and notes after
        kept = _fit(rows, room)
        head += kept
        if len(kept) < len(rows):
            head.append(f"| | _{len(rows) - len(kept)} more access changes not shown "
                        "(GitHub's size limit): `make preview` shows all_ | | | | |")
        head.append("")
    moved = [p for p in review.policies if not p.effective]
    orphan = [p for p in review.policies if p.effective and not p.held_by]
    if moved:
        names = ", ".join(f"`{_md(p.policy)}` ({p.environment})" for p in moved)
        head += [f"Policy text changed with no change in anyone's access: {names}.", ""]
    if orphan:
        names = ", ".join(f"`{_md(p.policy)}` ({p.environment})" for p in orphan)
        head += [f"Policy access changed for a policy no identity here holds (a token made "
                 f"elsewhere may): {names}.", ""]
    if review.findings:
        head += ["#### New check findings", ""]
        lines = [f"- **{f.rule}** {f.level}, `{f.stack}` `{f.resource or '-'}`: "
                 f"{_md(f.message)}" for f in review.findings]
        kept = _fit(lines, max(limit - sum(len(x) + 1 for x in head) - 200, 0))
        head += kept
        if len(kept) < len(lines):
            head.append(f"- _{len(lines) - len(kept)} more not shown: `make preview` shows all_")
        head.append("")
    return head


def _fit(rows: list[str], room: int) -> list[str]:
    kept, size = [], 0
    for row in rows:
        if size + len(row) + 1 > room:
            break
        kept.append(row)
        size += len(row) + 1
    return kept


def _stack_section(stack: str, changes: list[ResourceChange], rows: list[str],
                   room: int) -> str | None:
    """The stack's <details>, its rows cut to `room` with a note; None if not even
    its heading fits."""
    counts = Counter(c.action for c in changes)
    said = ", ".join(f"{counts[a]} to {VERBS[a]}" for a in VERBS if counts[a])
    top = [f"<details><summary><code>{_html(stack)}</code>: {said}</summary>", "",
           "| | address | construct | what changes |", "|---|---|---|---|"]
    end = ["", "</details>", ""]
    note_room = 160
    fixed = sum(len(x) + 1 for x in top + end) + note_room
    if fixed > room:
        return None
    kept = _fit(rows, room - fixed)
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
    """What the address alone does not say: a rename, a deposed object, the plan's reason."""
    notes = []
    if c.renamed_to:
        notes.append(f"renamed to {c.renamed_to}")
    if c.renamed_from:
        notes.append(f"renamed from {c.renamed_from}")
    if c.deposed:
        notes.append(f"deposed object {c.deposed}")
    if c.reason:
        notes.append(f"because {c.reason}")
    return f" ({'; '.join(notes)})" if notes else ""


def _access_order(access: list[AccessChange]) -> list[AccessChange]:
    return sorted(access, key=lambda a: (not a.broadening, a.environment, a.identity, a.path))


def _access_row(a: AccessChange) -> str:
    why = ("**" + ", ".join(a.broadening) + "**") if a.broadening else ""
    return (f"| {a.environment} | {_md(a.identity)} | `{a.path}` | {_caps(a.gained)} | "
            f"{_caps(a.lost)} | {why} |")


def _caps(capabilities: tuple[str, ...]) -> str:
    return " ".join(f"`{c}`" for c in capabilities) or "–"


def _short(value: object, limit: int = 80) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


_MARKDOWN = {c: "\\" + c for c in "\\`*[]|#~"}
# `_` emphasises only at a word's edge in GitHub's Markdown: `vault_mount` stays as is.
_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def _md(text: str) -> str:
    """Plain text in Markdown (a table cell, a list item): emphasis, code, links,
    tags and line breaks are characters, not formatting."""
    out = "".join(_MARKDOWN.get(c, c) for c in text)
    out = _EDGE_UNDERSCORE.sub(r"\\_", out)
    return out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
