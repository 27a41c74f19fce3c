"""Every test runs in at least one lane of CI: print each lane's skips, fail on a test that
no lane ran.

    python .ci/skips.py newest=REPORT.xml floor=REPORT.xml

Each REPORT is pytest's ``--junitxml``. A test skipped at collection (a whole module) is
named by its module; it counts as run when another lane ran a test of that module.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def read(path: str) -> tuple[dict[str, str], set[str]]:
    """``({test: skip reason}, {tests that ran})`` of one report."""
    skipped: dict[str, str] = {}
    ran: set[str] = set()
    for case in ET.parse(path).getroot().iter("testcase"):
        classname, name = case.get("classname", ""), case.get("name", "")
        test = f"{classname}.{name}" if classname else name
        skip = case.find("skipped")
        if skip is not None:
            skipped[test] = skip.get("message", "")
        else:
            ran.add(test)
    return skipped, ran


def main(argv: list[str]) -> int:
    lanes = dict(arg.split("=", 1) for arg in argv)
    reports = {lane: read(path) for lane, path in lanes.items()}
    ran_anywhere = set().union(*(ran for _, ran in reports.values()))
    never = []
    for lane, (skipped, ran) in reports.items():
        print(f"{lane} lane: {len(ran)} tests ran, {len(skipped)} skipped")
        for test, reason in sorted(skipped.items()):
            print(f"  skipped {test}: {reason[:200]}")
            if not any(t == test or t.startswith(test + ".") for t in ran_anywhere):
                never.append(f"{test} (skipped in the {lane} lane: {reason[:200]})")
    for test in sorted(set(never)):
        print(f"no lane ran {test}", file=sys.stderr)
    return 1 if never else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
