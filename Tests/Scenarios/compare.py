#!/usr/bin/env python3
"""Compare two scope-scenario result files (stdlib only).

Usage: python3 compare.py EXPECTED.json ACTUAL.json [--ignore GLOB ...] [--loose-empty]

Both files map scenario name -> list of records (the format written by the
oracle, see README.md); the "__meta__" key is ignored. Every scenario of
EXPECTED is compared with the same-named one of ACTUAL; for each one that
differs (or is missing from ACTUAL) its name and path-level differences are
printed, e.g.

    tag_precedence[0].event.tags.shared: expected "c", got "g"

The last line is "N passed, M failed" (N identical, M differing or missing),
followed by ", K skipped" when --ignore patterns (fnmatch, on scenario names,
repeatable) skipped K scenarios. Scenarios only present in ACTUAL are listed
as a note and not counted. Exit status: 0 iff M == 0, 2 on usage/input errors.

Equality is JSON equality: object key order is irrelevant, array order matters,
1 == 1.0, but true/false never equal 1/0. With --loose-empty, an object key whose
value is null, {} or [] (after the same rule inside it) counts as absent
(missing = null = empty), as the Swift scenario tests compare the tracing set.
"""
import argparse
import fnmatch
import json
import re
import sys

META_KEY = "__meta__"
MAX_LINES_PER_SCENARIO = 25
MAX_VALUE_CHARS = 120
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


class _Missing:
    """Marker for a key/element present on one side only."""

    def __init__(self, label):
        self.label = label


MISSING = _Missing("<missing>")  # in ACTUAL
ABSENT = _Missing("<absent>")  # in EXPECTED


def show(value):
    if isinstance(value, _Missing):
        return value.label
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 3] + "..."
    return text


def key_path(path, key):
    if _IDENT.match(key):
        return "%s.%s" % (path, key)
    return "%s[%s]" % (path, json.dumps(key, ensure_ascii=False))


def same_scalar(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def diff(expected, actual, path, out):
    """Append (path, expected, actual) triples for every difference."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k in expected:
            sub = key_path(path, k)
            if k not in actual:
                out.append((sub, expected[k], MISSING))
            else:
                diff(expected[k], actual[k], sub, out)
        for k in actual:
            if k not in expected:
                out.append((key_path(path, k), ABSENT, actual[k]))
        return
    if isinstance(expected, list) and isinstance(actual, list):
        for i in range(max(len(expected), len(actual))):
            sub = "%s[%d]" % (path, i)
            if i >= len(actual):
                out.append((sub, expected[i], MISSING))
            elif i >= len(expected):
                out.append((sub, ABSENT, actual[i]))
            else:
                diff(expected[i], actual[i], sub, out)
        return
    if isinstance(expected, (dict, list)) or isinstance(actual, (dict, list)):
        out.append((path, expected, actual))
        return
    if not same_scalar(expected, actual):
        out.append((path, expected, actual))


def fail(message):
    print("compare.py: " + message, file=sys.stderr)
    sys.exit(2)


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        fail("cannot read %s: %s" % (path, e))
    if not isinstance(doc, dict):
        fail("%s: top level must be an object (scenario name -> records)" % path)
    doc.pop(META_KEY, None)
    return doc


def loose(value):
    """value without object keys whose value is null, {} or [] (recursively)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = loose(item)
            if item is None or item == {} or item == []:
                continue
            out[key] = item
        return out
    if isinstance(value, list):
        return [loose(item) for item in value]
    return value


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Compare two scope-scenario result files.",
        epilog="Final line: 'N passed, M failed[, K skipped]'; exit 0 iff M == 0.")
    ap.add_argument("expected")
    ap.add_argument("actual")
    ap.add_argument("--ignore", action="append", default=[], metavar="GLOB",
                    help="skip scenarios whose name matches this fnmatch pattern (repeatable)")
    ap.add_argument("--loose-empty", action="store_true",
                    help="treat null, {} and [] object values as absent")
    args = ap.parse_args(argv)

    expected = load(args.expected)
    actual = load(args.actual)
    if args.loose_empty:
        expected = {k: (v if k == META_KEY else loose(v)) for k, v in expected.items()}
        actual = {k: (v if k == META_KEY else loose(v)) for k, v in actual.items()}

    passed = failed = skipped = 0
    for name in expected:
        if any(fnmatch.fnmatchcase(name, pat) for pat in args.ignore):
            skipped += 1
            continue
        if name not in actual:
            failed += 1
            print("%s: missing from %s" % (name, args.actual))
            continue
        diffs = []
        diff(expected[name], actual[name], name, diffs)
        if not diffs:
            passed += 1
            continue
        failed += 1
        print("%s: %d difference(s)" % (name, len(diffs)))
        for path, exp, act in diffs[:MAX_LINES_PER_SCENARIO]:
            print("  %s: expected %s, got %s" % (path, show(exp), show(act)))
        if len(diffs) > MAX_LINES_PER_SCENARIO:
            print("  ... and %d more" % (len(diffs) - MAX_LINES_PER_SCENARIO))

    extra = [n for n in actual if n not in expected
             and not any(fnmatch.fnmatchcase(n, pat) for pat in args.ignore)]
    if extra:
        print("note: %d scenario(s) only in %s (not counted): %s"
              % (len(extra), args.actual, ", ".join(extra)))

    summary = "%d passed, %d failed" % (passed, failed)
    if skipped:
        summary += ", %d skipped" % skipped
    print(summary)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
