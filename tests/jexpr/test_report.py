"""Human diagnostic format: header with 1-based positions, source line, caret line, hint."""

from __future__ import annotations

from jexpr.diagnostics import Diagnostic, error, warning
from jexpr.report import format_diagnostic, format_diagnostics
from jexpr.source import Source


def diag_at(text: str, start: int, end: int, hint: str | None = None) -> Diagnostic:
    span = Source(text).span(start, end)
    return error("E-TYPE-OPERAND", "bad operand", span, hint=hint)


def test_header_is_one_based_and_caret_underlines_range() -> None:
    text = "1 + true"
    out = format_diagnostic(diag_at(text, 4, 8), text, "cart.jexpr")
    assert out.splitlines() == [
        "cart.jexpr:1:5: error E-TYPE-OPERAND bad operand",
        "1 + true",
        "    ^~~~",
    ]


def test_default_filename_and_single_character() -> None:
    text = "a & b"
    out = format_diagnostic(diag_at(text, 2, 3), text)
    assert out.splitlines()[0] == "<expr>:1:3: error E-TYPE-OPERAND bad operand"
    assert out.splitlines()[2] == "  ^"


def test_empty_range_still_has_a_caret() -> None:
    text = "(1 + 2"
    out = format_diagnostic(diag_at(text, 6, 6), text)
    assert out.splitlines()[1:] == ["(1 + 2", "      ^"]


def test_second_line_numbers() -> None:
    text = "1 +\n  foo(2)"
    out = format_diagnostic(diag_at(text, 6, 9), text, "f")
    assert out.splitlines() == [
        "f:2:3: error E-TYPE-OPERAND bad operand",
        "  foo(2)",
        "  ^~~",
    ]


def test_crlf_and_lone_cr_line_breaks() -> None:
    text = "a\r\nb\rccc x"
    out = format_diagnostic(diag_at(text, 9, 10), text)
    assert out.splitlines() == ["<expr>:3:5: error E-TYPE-OPERAND bad operand", "ccc x", "    ^"]


def test_multi_line_range_is_underlined_to_end_of_first_line() -> None:
    text = 'if (x)\nthen ("a")\nelse (1)'
    out = format_diagnostic(diag_at(text, 3, len(text)), text)
    assert out.splitlines()[1:] == ["if (x)", "   ^~~"]


def test_tabs_keep_caret_aligned() -> None:
    text = "\t1 +\ttrue"
    out = format_diagnostic(diag_at(text, 5, 9), text)
    _, shown, carets = out.splitlines()
    assert "\t" not in shown
    assert shown == " " * 8 + "1 +" + " " * 5 + "true"
    assert carets.index("^") == shown.index("true")
    assert carets == " " * shown.index("true") + "^~~~"
    # the header column still counts code points
    assert out.startswith("<expr>:1:6:")


def test_tab_inside_range_is_covered() -> None:
    text = "a\tb"
    out = format_diagnostic(diag_at(text, 0, 3), text)
    _, shown, carets = out.splitlines()
    assert shown == "a       b"
    assert carets == "^" + "~" * 8  # a, the tab's 7 cells, b


def test_wide_characters_keep_caret_aligned() -> None:
    text = '"日本" + 1'
    out = format_diagnostic(diag_at(text, 7, 8), text)
    _, shown, carets = out.splitlines()
    assert shown == text
    assert carets == " " * 9 + "^"  # each ideograph takes two cells


def test_hint_line() -> None:
    text = "lenght(x)"
    out = format_diagnostic(diag_at(text, 0, 6, hint="did you mean 'length'?"), text)
    assert out.splitlines()[-1] == "  hint: did you mean 'length'?"


def test_warning_severity_and_several_diagnostics() -> None:
    text = "now() + now()"
    src = Source(text)
    diags = [
        warning("W-AJO-PLUS-PARENS", "wrap in ( )", src.span(0, 5)),
        warning("W-AJO-PLUS-PARENS", "wrap in ( )", src.span(8, 13)),
    ]
    lines = format_diagnostics(diags, text, "x").splitlines()
    assert lines == [
        "x:1:1: warning W-AJO-PLUS-PARENS wrap in ( )",
        "now() + now()",
        "^~~~~",
        "x:1:9: warning W-AJO-PLUS-PARENS wrap in ( )",
        "now() + now()",
        "        ^~~~~",
    ]


def test_no_diagnostics_is_empty() -> None:
    assert format_diagnostics([], "1", "x") == ""
