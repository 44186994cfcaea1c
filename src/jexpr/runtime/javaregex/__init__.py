"""Java ``java.util.regex`` patterns on top of the ``regex`` package (spec §13).

One job: translate a Java pattern into an equivalent ``regex`` pattern — rejecting whatever Java
rejects or jexpr cannot reproduce, never reinterpreting it — and run Java's ``String.matches``,
``replaceFirst``, ``replaceAll`` and ``split`` (with ``appendReplacement`` syntax) on it, bounded
in time.

The translator is a small recursive-descent parser modelled on ``java.util.Pattern``: after Java's
own ``\\Q…\\E`` pre-pass it reads alternations, sequences, atoms, quantifiers, groups with scoped
inline flags and character classes (nesting, ``&&`` intersection). Everything whose meaning
differs between the two engines is emitted explicitly: ``.``, ``^``, ``$``, ``\\Z``, ``\\b``,
``\\d \\w \\s \\h \\v``, the POSIX classes (explicit ASCII sets) and Unicode properties (inside a
scoped ``(?u:…)``). Literal characters are always emitted escaped.
"""

from jexpr.runtime.javaregex.error import JavaRegexError
from jexpr.runtime.javaregex.evaluate import matches, replace_all, replace_first, split
from jexpr.runtime.javaregex.pattern import (
    MAX_OUTPUT,
    JavaPattern,
    compile_java,
    compile_pattern,
    drop_trailing_empty,
    literal_pattern_error,
    literal_replacement_error,
)
from jexpr.runtime.javaregex.replacement import check_replacement
from jexpr.runtime.javaregex.translate import MAX_PATTERN_LENGTH, MAX_UNITS

__all__ = [
    "MAX_OUTPUT",
    "MAX_PATTERN_LENGTH",
    "MAX_UNITS",
    "JavaPattern",
    "JavaRegexError",
    "check_replacement",
    "compile_java",
    "compile_pattern",
    "drop_trailing_empty",
    "literal_pattern_error",
    "literal_replacement_error",
    "matches",
    "replace_all",
    "replace_first",
    "split",
]
