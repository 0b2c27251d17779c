#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run tasker-demo with its stdout on a pipe and check what it printed.

Usage: check-demo-output.py PATH-TO-TASKER-DEMO [ARGS...]

Checks that the demo exits 0, prints no ANSI escapes (stdout is not a
terminal), and prints one "summary:" line per task: "download" CANCELLED
part-way, every other task COMPLETED at 100 %.
"""

import re
import subprocess
import sys

EXPECTED = {"scan": "COMPLETED", "feed": "COMPLETED",
            "catalogue": "COMPLETED", "download": "CANCELLED"}

if len(sys.argv) < 2:
    sys.exit(__doc__)

proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                      encoding="utf-8", errors="replace", timeout=50)
sys.stdout.write(proc.stdout)

failures = []
if proc.returncode != 0:
    failures.append(f"tasker-demo exited with {proc.returncode}")
if "\x1b" in proc.stdout:
    failures.append("ANSI escapes in the output although stdout is a pipe")

summaries = re.findall(r"^summary: (\S+) +\S+ +(\S+) +(\d+)%", proc.stdout, re.M)
names = [name for name, _, _ in summaries]
if sorted(names) != sorted(EXPECTED):
    failures.append(f"summary lines for {names}, expected one each for {sorted(EXPECTED)}")

for name, status, percent in summaries:
    percent = int(percent)
    if status != EXPECTED.get(name, status):
        failures.append(f"{name} ended {status}, expected {EXPECTED[name]}")
    elif status == "COMPLETED" and percent != 100:
        failures.append(f"{name} completed at {percent}%, expected 100%")
    elif status == "CANCELLED" and not 0 < percent < 100:
        failures.append(f"{name} was cancelled at {percent}%, expected part-way")

for failure in failures:
    print(f"FAIL: {failure}", file=sys.stderr)
sys.exit(1 if failures else 0)
