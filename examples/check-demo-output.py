#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run tasker-demo with its stdout on a pipe and check what it printed.

Usage: check-demo-output.py PATH-TO-TASKER-DEMO [ARGS...]

Checks that
- the output is plain text (no ANSI escapes when stdout is not a terminal);
- there is one "summary:" line for each of the five tasks;
- "download" ended CANCELLED part-way (0 < progress < 100 %) after the demo
  announced the cancel, and its read was interrupted (G_IO_ERROR_CANCELLED);
- every other task ended COMPLETED at 100 %;
- progress lines were printed while tasks ran (some strictly between 0 and 100 %);
- the demo itself exited 0.
"""

import re
import subprocess
import sys

EXPECTED = {
    "scan-photos": "COMPLETED",
    "compress-logs": "COMPLETED",
    "feed": "COMPLETED",
    "checksum": "COMPLETED",
    "download": "CANCELLED",
}
SUMMARY = re.compile(r"^summary: (\S+)\s+(\S+)\s+(\S+)\s+(\d+)%\s+([\d.]+) s\s*(.*)$")
PROGRESS = re.compile(r"^\[\s*[\d.]+s\] (\S+)\s+(\S+)\s+\[[#.]+\]\s+(\d+)%\s+(\S+)")


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2

    proc = subprocess.run(argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=50)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    sys.stdout.write(out)
    sys.stderr.write(err)

    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    check(proc.returncode == 0, f"tasker-demo exited with {proc.returncode}")
    check("\x1b" not in out, "ANSI escapes in the output although stdout is a pipe")

    summaries = {}
    progress = {}
    for line in out.splitlines():
        m = SUMMARY.match(line)
        if m:
            name, _kind, status, percent = m.group(1), m.group(2), m.group(3), int(m.group(4))
            check(name not in summaries, f"two summary lines for {name}")
            summaries[name] = (status, percent, m.group(6))
            continue
        m = PROGRESS.match(line)
        if m:
            progress.setdefault(m.group(1), []).append((int(m.group(3)), m.group(4)))

    check(set(summaries) == set(EXPECTED),
          f"summary lines for {sorted(summaries)}, expected {sorted(EXPECTED)}")
    for name, expected in EXPECTED.items():
        if name not in summaries:
            continue
        status, percent, detail = summaries[name]
        check(status == expected, f"{name} ended {status}, expected {expected}")
        if expected == "COMPLETED":
            check(percent == 100, f"{name} completed at {percent}%, expected 100%")
        else:
            check(0 < percent < 100, f"{name} was cancelled at {percent}%, expected part-way")
            check("cancel" in detail.lower(), f"{name}'s error does not say it was cancelled: {detail!r}")

    check(re.search(r'^\[\s*[\d.]+s\] cancelling "download" at \d+%$', out, re.M) is not None,
          "no 'cancelling \"download\"' line")
    check(re.search(r"Interrupted while (waiting for|catching up after) chunk \d+/\d+", out) is not None,
          "the download's final message does not show an interrupted read")
    check(any(0 < p < 100 for lines in progress.values() for p, _ in lines),
          "no progress line strictly between 0% and 100%")
    for name in EXPECTED:
        check(name in progress, f"no progress line for {name}")
    check(re.search(r"^result: every task ended as expected", out, re.M) is not None,
          "no 'result: every task ended as expected' line")

    if failures:
        for f in failures:
            print(f"FAIL: {f}", file=sys.stderr)
        return 1
    print(f"ok: {len(summaries)} tasks ended as expected, "
          f"{sum(len(v) for v in progress.values())} progress lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
