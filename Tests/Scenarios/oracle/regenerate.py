#!/usr/bin/env python3
"""Write the expected output of a scenario file, as produced by sentry-python.

Usage (from a python that has sentry-sdk==2.75.0; scripts/regenerate-scenarios.sh
makes one in .venv/oracle and runs this for every Tests/Scenarios/*-scenarios.json):

    python regenerate.py SCENARIOS.json [-o EXPECTED.json] [--only NAME ...]

Without -o the output sits next to the input: NAME-scenarios.json -> NAME-expected.json.

Every scenario runs on a freshly initialised SDK with an in-memory transport (nothing
goes over the network) and its envelopes are normalised (normalise.py), so the
output is byte-for-byte reproducible: same scenario file + same sentry-sdk = same file.
Scenario files of format 1 (scopes) and format 2 (scopes + tracing) are accepted; the
format is described in Tests/Scenarios/README.md.
"""
import argparse
import json
import platform
import sys

PRODUCER = "Tests/Scenarios/oracle/regenerate.py (sentry-python reference run)"
SUPPORTED_FORMATS = (1, 2)


def expected_path_for(scenarios_path):
    """tracing-scenarios.json -> tracing-expected.json; other.json -> other-expected.json."""
    stem = scenarios_path[:-len(".json")] if scenarios_path.endswith(".json") else scenarios_path
    if stem.endswith("-scenarios"):
        stem = stem[:-len("-scenarios")]
    return stem + "-expected.json"


def load_scenarios(path):
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    if document.get("format") not in SUPPORTED_FORMATS:
        sys.exit("%s: unsupported scenario format %r" % (path, document.get("format")))
    names = [scenario["name"] for scenario in document["scenarios"]]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        sys.exit("%s: scenario name(s) used twice: %s" % (path, ", ".join(repeated)))
    return document


def expected_document(document, only, sdk_version):
    # imported here so that --help works without sentry_sdk
    from normalise import normalise_records
    from scenario_runner import run_scenario

    default_init = document.get("defaults", {}).get("init", {})
    result = {"__meta__": {
        "producer": PRODUCER,
        "python": platform.python_version(),
        "scenario_file_format": document.get("format"),
        "sentry_sdk_version": sdk_version,
    }}
    for scenario in document["scenarios"]:
        if only and scenario["name"] not in only:
            continue
        raw_records, verbatim = run_scenario(scenario, default_init)
        result[scenario["name"]] = normalise_records(raw_records, verbatim)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", help="scenario file (format 1 or 2)")
    parser.add_argument("-o", "--output", help="expected file to write (default: *-expected.json next to the input)")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this scenario (repeatable)")
    args = parser.parse_args(argv)

    from sdk_harness import REFERENCE_VERSION, sentry_sdk
    if sentry_sdk.VERSION != REFERENCE_VERSION:
        print("regenerate.py: warning: sentry-sdk %s, the committed files come from %s"
              % (sentry_sdk.VERSION, REFERENCE_VERSION), file=sys.stderr)

    document = load_scenarios(args.scenarios)
    result = expected_document(document, args.only, sentry_sdk.VERSION)
    output = args.output or expected_path_for(args.scenarios)
    with open(output, "w", encoding="utf-8") as f:
        f.write(json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    print("%s: %d scenario(s) -> %s" % (args.scenarios, len(result) - 1, output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
