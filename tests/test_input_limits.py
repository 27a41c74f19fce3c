"""Reading config files: the limits of ``nshsched.loading.yaml_files`` (node budget, depth, duplicate keys,
strict JSON, numbers, surrogates, size) and bounded quoting in messages."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nshsched.loading import yaml_files
from nshsched.loading.quote import quote, shorten
from nshsched.loading.yaml_files import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    ConfigFileError,
    load_file,
    load_json,
    load_text,
)

# The "billion laughs": 9 levels of 9 aliases each, 9**9 (387 million) strings expanded.
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi")
)


def nested_yaml(levels: int) -> str:
    return "[" * levels + "]" * levels


# ---------------------------------------------------------------------- YAML


def test_alias_bomb_refused_quickly() -> None:
    assert len(BOMB) < 1024
    start = time.perf_counter()
    with pytest.raises(
        ConfigFileError,
        match=rf"<string>, line 6, column 4: aliases expand this to more than {MAX_NODES} values",
    ):
        load_text(BOMB)
    assert time.perf_counter() - start < 1.0


def test_aliases_within_the_budget_are_read() -> None:
    # 9**4 = 6561 strings: a legitimate use of aliases (shared sub-configs) stays allowed
    data = load_text("".join(BOMB.splitlines(keepends=True)[:4]))
    assert len(data["d"]) == 9 and data["d"][0][0][0] == ["lol"] * 9
    merged = load_text("base: &b {name: cosine, warmup: 3}\nx: {<<: *b, warmup: 5}\n")
    assert merged["x"] == {"name": "cosine", "warmup": 5}  # a merge key may be overridden


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 10_000, 100_000])
def test_deep_nesting_is_a_clear_error(levels: int) -> None:
    with pytest.raises(
        ConfigFileError,
        match=rf"line 1, column {MAX_DEPTH + 1}: more than {MAX_DEPTH} levels of nested",
    ):
        load_text(nested_yaml(levels))


def test_depth_limit_boundary_and_block_style() -> None:
    assert load_text(nested_yaml(MAX_DEPTH)) is not None  # exactly 100 levels: fine
    block = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * 105 + "x: 1\n"
    with pytest.raises(ConfigFileError, match=r"line 101, column 201: more than 100 levels"):
        load_text(block)


def test_depth_through_aliases() -> None:
    # Each line nests the previous anchor once more: 120 levels in 120 short lines.
    lines = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 120)]
    with pytest.raises(ConfigFileError, match=r"more than 100 levels .*\(through aliases\)"):
        load_text("\n".join(lines))


def test_recursive_alias_refused() -> None:
    with pytest.raises(ConfigFileError, match="an alias refers to the list/mapping that contains"):
        load_text("a: &a [1, *a]\n")
    with pytest.raises(ConfigFileError, match="recursive structure"):
        load_text("a: &a {b: *a}\n")


def test_too_many_values_refused_while_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    # The budget is read when a file is read: a smaller one keeps this test fast.
    monkeypatch.setattr("nshsched.loading.limits.MAX_NODES", 1000)
    text = "[" + "0," * 1000 + "0]"
    with pytest.raises(ConfigFileError, match=r"line 1, column 2000: more than 1000 values"):
        load_text(text)
    assert len(load_text("[" + "0," * 998 + "0]")) == 999  # 999 + the list itself


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("name: cosine\nwarmup: 3\nname: linear\n", r"line 3, column 1: .*duplicate key 'name'"),
        ("a: {b: 1, b: 2}\n", r"duplicate key 'b' \(first given on line 1\)"),
        ("yes: 1\ntrue: 2\n", "duplicate key True"),  # YAML 1.1: both are the boolean
        ("1: a\n0x1: b\n", "duplicate key 1"),
    ],
)
def test_duplicate_yaml_keys(text: str, match: str) -> None:
    with pytest.raises(ConfigFileError, match=match):
        load_text(text)


def test_duplicate_key_message_quotes_a_long_key_briefly() -> None:
    key = "k" * 1000
    with pytest.raises(ConfigFileError) as e:
        load_text(f"? {key}\n: 1\n? {key}\n: 2\n")
    assert "duplicate key 'kkkk" in str(e.value)
    assert "(1000 characters)" in str(e.value)
    assert len(str(e.value)) < 500


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("lr: " + "9" * 5000, "a number of 5000 characters"),
        ("lr: 1." + "0" * 200, "a number of 202 characters"),
        ("lr: " + ":".join(["1"] * 80), "a number of 159 characters"),  # sexagesimal
        ("when: 2001-13-01", "line 1, column 7: .*cannot read this value: month must be in"),
        ('name: "\\ud800"', r"line 1, column 7: a string holds a lone surrogate '\\ud800'"),
        ("!!python/object/apply:os.system ['true']", "the YAML tag '!!python/object/apply:"),
        ("a: [1", "not valid YAML/JSON"),
        ("a: !!int", r"line 1, column 4: .*cannot read '' as !!int"),
        ("a: !!bool maybe", r"cannot read 'maybe' as !!bool"),
        ("a: !!timestamp soon", r"cannot read 'soon' as !!timestamp"),
    ],
)
def test_values_refused(text: str, match: str) -> None:
    with pytest.raises(ConfigFileError, match=match):
        load_text(text)


def test_long_numbers_within_the_limit_still_read() -> None:
    assert load_text("a: 1e-4\nb: 0x10\nc: 1_000\nd: " + "1" * 100) == {
        "a": 1e-4,
        "b": 16,
        "c": 1000,
        "d": int("1" * 100),
    }


# ---------------------------------------------------------------------- libyaml


def python_parser_reading(text: str) -> tuple[str, object]:
    """What ``load_text`` gives with PyYAML's Python parser alone (no libyaml)."""
    saved = yaml_files._loaders()
    yaml_files._LOADERS = (saved[0], None)
    try:
        return reading(text)
    finally:
        yaml_files._LOADERS = saved


def reading(text: str) -> tuple[str, object]:
    try:
        return "data", load_text(text, "f")
    except ConfigFileError as e:
        return "error", str(e)


def test_libyaml_is_used_where_pyyaml_has_it() -> None:
    import yaml

    assert (yaml_files._loaders()[1] is not None) == bool(yaml.__with_libyaml__)


_TOKENS = [
    *"[]{}:,-&*!|>'\"\n\t #?%@`.+<\\é~=\r\x85\ufeff\u2028\x00/",
    *["---", "...", "%YAML 1.2", "0x1F", "1e-4", ".inf", "null", "~", "2001-12-14", "yes"],
    *["<<", "&a", "*a", "\\u263a", "\\ud800", "- ", "? ", ": ", "#c", "1_000", "!!str"],
    *["!!int", "ab", "01", "\n  ", "\U0001f600"],
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join) | st.text(max_size=60))
def test_libyaml_and_the_python_parser_read_alike(text: str) -> None:
    """With libyaml (where a text is read by it) or without, the same data or the same
    error: the Python parser's reading and message."""
    assert reading(text) == python_parser_reading(text)


def test_libyaml_refusals_have_the_python_parsers_message() -> None:
    # libyaml says "did not find expected ',' or ']'"; the message is PyYAML's
    assert reading("a: [1, 2\nb: c\n") == (
        "error",
        "f, line 2, column 2: not valid YAML/JSON: while parsing a flow sequence: "
        "expected ',' or ']', but got ':'",
    )


def test_ten_thousand_groups_with_their_own_schedules_fit_the_limits() -> None:
    # name, a pattern, lr, weight_decay and a schedule: 20 values a group
    groups = "".join(
        f"  - {{name: g{i}, params: ['layers.{i}.*'], lr: 1.0e-4, weight_decay: 0.05, "
        f"scheduler: {{name: cosine, warmup: {{kind: steps, value: {i % 50}}}}}}}\n"
        for i in range(10_000)
    )
    data = load_text("optimizer: {name: adamw, lr: 1.0e-3}\nparam_groups:\n" + groups)
    assert len(data["param_groups"]) == 10_000
    assert data["param_groups"][-1]["scheduler"]["warmup"] == {"kind": "steps", "value": 49}


# ---------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('{"name": "cosine", "warmup": 3,}', r"line 1, column 31: .*a trailing comma before '}'"),
        ("[1, 2,\n  ]", r"line 1, column 6: .*a trailing comma before '\]'"),
        ('{"name": "cosine", "name": "linear"}', "duplicate key 'name' in an object"),
        ('{"lr": NaN}', "NaN is not a JSON number"),
        ('{"lr": -Infinity}', "-Infinity is not a JSON number"),
        ('{"lr": ' + "1" * 101 + "}", "a number of 101 characters"),
        ('{"lr": 1.' + "5" * 120 + "}", "a number of 122 characters"),
        ('{"name": "\\ud800"}', r"a string holds a lone surrogate '\\ud800'"),
        ('{"\\udfff": 1}', r"lone surrogate '\\udfff'"),
        ('{"name": cosine}', r"line 1, column 10: not valid JSON: Expecting value"),
        ("  \n", "the file is empty"),
        ("[" * 10_000 + "]" * 10_000, rf"line 1, column 101: more than {MAX_DEPTH} levels"),
        ("[" + "0," * (2 * MAX_NODES) + "0]", f"more than {MAX_NODES} values"),
    ],
)
def test_strict_json(text: str, match: str) -> None:
    with pytest.raises(ConfigFileError, match=match):
        load_json(text, "x.json")


def test_json_reads_what_it_should() -> None:
    text = '{"a": [1, 2.5, "x,]}", {"b": null}], "c": "\\u00e9\\"]"}'
    assert load_json(text) == {"a": [1, 2.5, "x,]}", {"b": None}], "c": 'é"]'}
    assert load_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


# ---------------------------------------------------------------------- files


def test_files_by_extension(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"name": "cosine",}')
    (tmp_path / "a.yaml").write_text('{"name": "cosine",}')  # YAML flow style allows it
    with pytest.raises(ConfigFileError, match=r"a\.json, line 1, column 18: .*trailing comma"):
        load_file(tmp_path / "a.json")
    assert load_file(tmp_path / "a.yaml") == {"name": "cosine"}
    (tmp_path / "bom.json").write_bytes(b'\xef\xbb\xbf{"name": "cosine"}')
    assert load_file(tmp_path / "bom.json") == {"name": "cosine"}


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match=r"cannot read '.*missing.yaml': No such file"):
        load_file(tmp_path / "missing.yaml")
    with pytest.raises(ConfigFileError, match="Is a directory"):
        load_file(tmp_path)
    (tmp_path / "bin.yaml").write_bytes(bytes(range(256)))
    with pytest.raises(ConfigFileError, match=r"not UTF-8 text \(invalid start byte at byte 128\)"):
        load_file(tmp_path / "bin.yaml")
    (tmp_path / "big.yaml").write_bytes(b"#" * (MAX_BYTES + 1))
    with pytest.raises(ConfigFileError, match="larger than 4 MiB"):
        load_file(tmp_path / "big.yaml")


def test_reading_stops_at_the_size_limit() -> None:
    # /dev/zero never ends: reading stops after MAX_BYTES + 1 bytes
    with pytest.raises(ConfigFileError, match="larger than 4 MiB"):
        load_file("/dev/zero")


# ---------------------------------------------------------------------- quoting


def test_quote_is_bounded() -> None:
    assert quote("lr") == "'lr'"
    assert quote(1.5) == "1.5"
    long = quote("x" * 10**6)
    assert long.startswith("'xxx") and long.endswith("... (1000000 characters)")
    assert len(long) <= 240
    assert quote(10**5000) == "<an integer of 16610 bits>"  # str() would refuse it
    shared: list = ["lol"] * 9
    for _ in range(8):
        shared = [shared] * 9  # 9**9 leaves, never expanded
    start = time.perf_counter()
    assert len(quote(shared)) <= 240
    assert time.perf_counter() - start < 0.1
    assert quote("\ud800") == "'\\ud800'"
    assert shorten("abcdefghijklmnopqrstuvwxyz", 11) == "abcd...wxyz"
    assert shorten("short", 11) == "short"


def test_the_safety_page_states_the_limits() -> None:
    from nshsched.cli._errors import MAX_ERRORS_SHOWN
    from nshsched.cli._plan import MAX_STEPPED_CELLS
    from nshsched.cli._preview import MAX_SHOWN
    from nshsched.cli._sampling import EXACT_CELLS, MAX_SAMPLES, PLOT_BINS
    from nshsched.loading.quote import QUOTE_LIMIT
    from nshsched.loading.yaml_files import MAX_NUMBER_CHARS

    text = " ".join((Path(__file__).parents[1] / "docs" / "safety.md").read_text().split())
    for fragment in [
        f"| {MAX_BYTES // 2**20} MiB",
        f"{MAX_DEPTH} levels of lists/mappings",
        f"{MAX_NODES:,} scalars",
        f"at most {MAX_NUMBER_CHARS} characters",
        f"at most ~{QUOTE_LIMIT} characters",
        f"at most {MAX_ERRORS_SHOWN} validation errors",
        f"in each of {PLOT_BINS} bins",
        f"at most {MAX_SHOWN} groups",
        f"up to {EXACT_CELLS / 1e6:.1f} million",
        f"{'a million' if MAX_SAMPLES == 10**6 else MAX_SAMPLES} evenly spaced",
        f"{MAX_STEPPED_CELLS // 10**6} million (step, group)",
    ]:
        assert fragment in text, fragment


# ---------------------------------------------------------------------- fuzz

_YAMLISH = "[]{}:,-&*!|>'\"\n\t #?%@`ab01.e+<\\\ud800é"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_YAMLISH, max_size=120) | st.text(max_size=60))
def test_any_text_reads_or_is_a_config_file_error(text: str) -> None:
    """Whatever the text, reading it gives data or a ConfigFileError with a short message,
    never another exception."""
    for read in (load_text, load_json):
        try:
            read(text, "f")
        except ConfigFileError as e:
            assert len(str(e)) < 1000
