"""``--profile-out``: one service's entry is written or updated, every other byte of the file
stays, the result validates against the profile schema or nothing is written."""
from __future__ import annotations

import difflib
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probelint.edits import content_end, own_pair, text_of
from probelint.measure.profile_out import ProfileWriteError, update_file, updated_text
from probelint.profile import load_profile_file

PROFILE = """\
# Service profiles for the shop (measured 2026-11)
services:
  checkout:            # the payment path
    match: {namespace: shop, name: "checkout*"}
    p50: '300ms'
    p99: "4s"          # from the load test
    startup-max: 90s

  # the cart keeps sessions in memory
  cart:
    p99: 1s
"""


def test_an_existing_entry_is_updated_in_place(tmp_path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(PROFILE)
    assert update_file(str(path), [("checkout", {"p50": "12ms", "p99": "48.2ms", "p99.9": "90ms"}, None)]) == "updated"
    assert path.read_text() == PROFILE.replace("'300ms'", "'12ms'").replace('"4s"', '"48.2ms"').replace(
        '          # from the load test\n', '          # from the load test\n    p99.9: 90ms\n')
    entry = next(e for e in load_profile_file(path).entries if e.service == "checkout")
    assert entry.values["p99"] == pytest.approx(0.0482)


def test_a_new_entry_goes_after_the_others(tmp_path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(PROFILE)
    update_file(str(path), [("search", {"startup-p99": "2.1s", "startup-max": "2.4s"}, None)])
    assert path.read_text() == PROFILE + "  search:\n    startup-p99: 2.1s\n    startup-max: 2.4s\n"


def test_a_missing_file_is_created(tmp_path) -> None:
    path = tmp_path / "new-profile.yaml"
    assert update_file(str(path), [("checkout", {"p50": "2ms", "p99": "9ms"}, None)]) == "created"
    assert path.read_text() == "services:\n  checkout:\n    p50: 2ms\n    p99: 9ms\n"
    assert not [p for p in tmp_path.iterdir() if p.name != "new-profile.yaml"]  # no temporary file left


def test_kubelet_entries_carry_their_match(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("services: {}\n")
    update_file(str(path), [("shop/checkout-7d9f8b6c5d-x2x9q/checkout", {"p99": "210ms"},
                             {"namespace": "shop", "name": "checkout", "container": "checkout"})])
    entry = load_profile_file(path).entries[0]
    assert entry.match == {"namespace": "shop", "name": "checkout", "container": "checkout"}
    assert entry.matches("shop", "Deployment", "checkout", "checkout")


def test_bom_and_crlf_are_kept(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    original = b"\xef\xbb\xbf# profiles\r\nservices:\r\n  cart:\r\n    p99: 1s\r\n"
    path.write_bytes(original)
    update_file(str(path), [("cart", {"p99": "2s"}, None)])
    assert path.read_bytes() == original.replace(b"p99: 1s", b"p99: 2s")


def test_nothing_to_change_leaves_the_file_alone(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE)
    os.utime(path, (1_000_000, 1_000_000))
    assert update_file(str(path), [("cart", {"p99": "1s"}, None)]) == "unchanged"
    assert path.stat().st_mtime == 1_000_000


@pytest.mark.parametrize(("text", "message"), [
    ("services:\n  cart:\n    p99: 1s\nowner: team-a\n", r"would not be a valid profile: \(top level\): Additional properties"),
    ("services:\n  cart:\n    stall-max: soon\n", "would not be a valid profile: services.cart.stall-max"),
    ("services:\n  cart: [1, 2]\n", "services.cart is not a mapping"),
    ("services: {a: 1}\n---\nservices: {}\n", "a profile file holds one YAML document"),
    ("services: [\n", "the file is not valid YAML"),
])
def test_a_file_that_would_not_validate_is_not_written(tmp_path, text, message) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ProfileWriteError, match=message):
        update_file(str(path), [("cart", {"p99": "2s"}, None)])
    assert path.read_text() == text


def test_a_read_only_file_is_an_error(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE)
    path.chmod(0o444)
    with pytest.raises(ProfileWriteError, match="read-only"):
        update_file(str(path), [("cart", {"p99": "2s"}, None)])
    assert path.read_text() == PROFILE


# -- the rest of the file is kept byte for byte, whatever it looks like ----------------------
NAMES = st.sampled_from(["checkout", "cart", "search", "payments", "envoy", "web-frontend"])
DURATIONS = st.sampled_from(["250ms", "4s", "1m30s", "1.5s", "12ms", "90s"])
COMMENTS = st.sampled_from(["", "  # measured", "   # from prod, 2026"])
QUOTES = st.sampled_from(["", "'", '"'])
FIELDS = st.lists(st.sampled_from(["p50", "p99", "p99.9", "startup-max", "stall-max"]), unique=True, max_size=4)


@st.composite
def profile_files(draw):
    indent = " " * draw(st.sampled_from([2, 4]))
    lines = [f"# {draw(st.sampled_from(['profiles', 'measured by the SRE team']))}"] if draw(st.booleans()) else []
    lines.append("services:" + draw(COMMENTS))
    names = draw(st.lists(NAMES, unique=True, max_size=4))
    for name in names:
        if draw(st.booleans()):
            lines.append(f"{indent}# about {name}")
        keys = draw(FIELDS)
        if keys and draw(st.integers(0, 4)) == 0:
            body = ", ".join(f"{k}: {draw(DURATIONS)}" for k in keys)
            lines.append(f"{indent}{name}: {{{body}}}" + draw(COMMENTS))
            continue
        lines.append(f"{indent}{name}:" + draw(COMMENTS))
        if not keys:
            lines[-1] = f"{indent}{name}: {{}}"
        for key in keys:
            quote = draw(QUOTES)
            lines.append(f"{indent * 2}{key}: {quote}{draw(DURATIONS)}{quote}" + draw(COMMENTS))
        if draw(st.booleans()):
            lines.append("")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines) + (newline if draw(st.booleans()) else "")
    if not names and text.rstrip().endswith("services:"):
        text = text.rstrip("\r\n") + " {}" + newline
    return text, names


def entry_lines(text: str, service: str) -> tuple[int, int] | None:
    """0-based first and last line of ``service``'s entry (key to end of value)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    services = own_pair(root, "services")[1]
    pair = own_pair(services, service) if services.__class__.__name__ == "MappingNode" else None
    if pair is None:
        return None
    text_ = text_of(text)
    end = content_end(text_, pair[1])
    return pair[0].start_mark.line, text[:end].count("\n")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile_files(), NAMES, st.dictionaries(st.sampled_from(["p50", "p99", "p99.9"]), DURATIONS, min_size=1))
def test_only_the_target_entry_changes(file, service, figures) -> None:
    text, names = file
    try:
        new = updated_text(text, service, figures)
    except ProfileWriteError as err:
        pytest.fail(f"refused a valid profile: {err}\n{text}")
    data, new_data = yaml.safe_load(text), yaml.safe_load(new)
    expected = dict(data["services"] or {})
    expected[service] = {**(expected.get(service) or {}), **figures}
    assert new_data == {**data, "services": expected}
    old_lines, new_lines = text.splitlines(), new.splitlines()
    span = entry_lines(text, service)
    for tag, i1, i2, _j1, _j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if span is None:
            # A new entry: original lines are only added to, never changed (but the last line
            # may gain the line break it lacked).
            assert tag == "insert" or (i1 == len(old_lines) - 1 and i2 == len(old_lines)), (tag, text, new)
        else:
            assert span[0] <= i1 and i2 <= span[1] + 1, (tag, i1, i2, span, text, new)
    for name in names:
        if name != service:
            assert new_data["services"][name] == data["services"][name]
