"""The ACL engine's indexes find exactly the rules a scan of every rule finds."""

from hypothesis import given, settings
from hypothesis import strategies as st

from hashistack.vault.acl import Acl

SEGMENTS = st.sampled_from(["a", "ab", "b", "+", "", "a+", "c"])
PATTERNS = st.builds(
    lambda segs, glob: "/".join(segs) + ("*" if glob else ""),
    st.lists(SEGMENTS, min_size=1, max_size=4), st.booleans(),
)
CAPS = st.lists(st.sampled_from(["read", "list", "deny", "update"]), min_size=1, max_size=3)
PATHS = st.builds(
    lambda segs, slash: "/".join(segs) + ("/" if slash else ""),
    st.lists(st.sampled_from(["a", "ab", "abc", "b", "+", "", "x"]), min_size=1, max_size=5),
    st.booleans(),
)


def scanned(acl: Acl, path: str) -> list[tuple]:
    """acl.go prefixAndWCCandidatesForPath by brute force: every rule tried."""
    found = []
    prefixes = [p for p in acl._prefix if path.startswith(p)]
    if prefixes:
        best = max(prefixes, key=len)
        found.append((len(best.encode()), True, 0, best, acl._prefix[best]))
    parts = path.split("/")
    for full, caps in acl._segment.items():
        is_prefix = full.endswith("*")
        pattern = full[:-1] if is_prefix else full
        segs = pattern.split("/")
        if len(parts) < len(segs) or (not is_prefix and len(parts) != len(segs)):
            continue
        for i, seg in enumerate(segs):
            if seg != "+" and seg != parts[i] and not (
                is_prefix and i == len(segs) - 1 and parts[i].startswith(seg)
            ):
                break
        else:
            first = len(full[: full.index("+")].encode())
            found.append((first, is_prefix, segs.count("+"), pattern, caps))
    return found


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(PATTERNS, CAPS), min_size=1, max_size=8), st.lists(PATHS, max_size=10))
def test_indexed_candidates_equal_a_full_scan(rules, paths):
    acl = Acl((p, tuple(c)) for p, c in rules)
    for path in paths:
        assert sorted(acl._candidates(path), key=repr) == sorted(scanned(acl, path), key=repr)
