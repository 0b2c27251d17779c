#!/bin/sh
# bench.sh [BUILDDIR]: builds and runs every benchmark in bench/ and prints one
# Markdown table of the results (DESIGN.md §7 targets, each against a baseline
# measured in the same process).
#
# BUILDDIR defaults to build/ in the source tree (the one README's commands use);
# it is configured with `meson setup` if it does not exist yet. The C programs
# run first, then bench/bench-python.py (Tasker from Python through the typelib
# and the override; skipped without introspection); the whole run takes about
# a minute on 2 vCPUs. Exit status: 0 when every program ran
# (whether or not its targets were met), 1 when one failed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-$srcdir/build}
python=/usr/bin/python3
[ -x "$python" ] || python=python3

programs="bench-throughput bench-submit bench-progress bench-cancel bench-memory bench-process bench-history bench-log-flood"
# The application benchmark, when the build has the application (-Dapp=true).
if ninja -C "$builddir" -t targets all 2>/dev/null | grep -q '^bench/bench-app:'; then
  programs="$programs bench-app"
fi

say () {
  printf 'bench.sh: %s\n' "$*" >&2
}

if [ ! -f "$builddir/meson-private/coredata.dat" ]; then
  say "configuring $builddir"
  meson setup "$builddir" "$srcdir" >&2
fi

# Warn when the numbers would mean little.
"$python" - "$builddir" >&2 <<'EOF' || true
import json, os, sys
path = os.path.join(sys.argv[1], "meson-info", "intro-buildoptions.json")
try:
    opts = {o["name"]: o["value"] for o in json.load(open(path))}
except OSError:
    sys.exit(0)
if opts.get("optimization") in ("0", "g", "plain"):
    print(f"bench.sh: warning: {sys.argv[1]} is built with optimization={opts['optimization']}; "
          "the library is not optimised (use buildtype=debugoptimized or release)")
if opts.get("b_sanitize", "none") != "none":
    print(f"bench.sh: warning: {sys.argv[1]} is built with b_sanitize={opts['b_sanitize']}")
if opts.get("benchmarks") is False:
    print(f"bench.sh: error: benchmarks are disabled; run: meson configure {sys.argv[1]} -Dbenchmarks=true")
    sys.exit(1)
EOF

# bench-process runs its entry points in tasker-worker processes.
targets="src/worker/tasker-worker bench/libtasker-bench-entry-points.so"
for p in $programs; do
  targets="$targets bench/$p"
done

# bench-python (bench/bench-python.py) runs after the C programs, through the
# typelib and the override; without introspection there is no typelib to use.
python_programs=""
typelib=src/libtasker/Tasker-1.typelib
if ninja -C "$builddir" -t targets all 2>/dev/null | grep -q "^$typelib:"; then
  python_programs="bench-python"
  targets="$targets $typelib"
else
  say "warning: $builddir has no $typelib (introspection disabled?): skipping bench-python"
fi
# bench-app-cpu (bench/bench-app-cpu.py): the real application under its own
# Xvfb, when it is built and xvfb-run and xdotool exist; about 70 s.
app_cpu_programs=""
if ninja -C "$builddir" -t targets all 2>/dev/null | grep -q '^src/app/tasker:' &&
   command -v xvfb-run >/dev/null && command -v xdotool >/dev/null; then
  app_cpu_programs="bench-app-cpu"
  targets="$targets src/app/tasker"
else
  say "warning: no application in $builddir, or no xvfb-run or xdotool: skipping bench-app-cpu"
fi
# bench-ctl (bench/bench-ctl.py): taskerctl against the real application,
# activated on a private bus under its own Xvfb; about 15 s.
ctl_programs=""
if ninja -C "$builddir" -t targets all 2>/dev/null | grep -q '^src/ctl/taskerctl:' &&
   ninja -C "$builddir" -t targets all 2>/dev/null | grep -q '^src/app/tasker:' &&
   command -v xvfb-run >/dev/null; then
  ctl_programs="bench-ctl"
  targets="$targets src/ctl/taskerctl src/app/tasker data/gschemas.compiled"
else
  say "warning: no taskerctl or application in $builddir, or no xvfb-run: skipping bench-ctl"
fi
# bench-external (bench/bench-external.py): 1,000 Tasker.RemoteTask updating
# 100×/s against the real application on a private bus; about 30 s. Its
# clients need the typelib.
external_programs=""
if [ -n "$ctl_programs" ] && [ -n "$python_programs" ]; then
  external_programs="bench-external"
else
  say "warning: no taskerctl, application or typelib in $builddir: skipping bench-external"
fi
say "building$targets"
# shellcheck disable=SC2086
ninja -C "$builddir" $targets >&2

TASKER_WORKER="$(cd "$builddir" && pwd)/src/worker/tasker-worker"
export TASKER_WORKER

results=$(mktemp -d "${TMPDIR:-/tmp}/tasker-bench.XXXXXX")
trap 'rm -rf "$results"' EXIT INT TERM

failed=""
for p in $programs; do
  say "running $p"
  if ! timeout 170 "$builddir/bench/$p" >"$results/$p.tsv" 2>"$results/$p.err"; then
    say "$p FAILED:"
    cat "$results/$p.err" >&2
    failed="$failed $p"
  fi
done

# The Python rows: the library, typelib, worker and the override's accelerator
# (gi/overrides/_tasker_submit) of this build, the override from the source tree.
for p in $python_programs; do
  say "running $p"
  if ! GI_TYPELIB_PATH="$(cd "$builddir" && pwd)/src/libtasker${GI_TYPELIB_PATH:+:$GI_TYPELIB_PATH}" \
       LD_LIBRARY_PATH="$(cd "$builddir" && pwd)/src/libtasker${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
       PYTHONPATH="$srcdir/src/libtasker/python:$(cd "$builddir" && pwd)/src/libtasker/python${PYTHONPATH:+:$PYTHONPATH}" \
       PYTHONDONTWRITEBYTECODE=1 \
       timeout 170 "$python" "$srcdir/bench/$p.py" >"$results/$p.tsv" 2>"$results/$p.err"; then
    say "$p FAILED:"
    cat "$results/$p.err" >&2
    failed="$failed $p"
  fi
done

for p in $app_cpu_programs; do
  say "running $p"
  if ! GSETTINGS_SCHEMA_DIR="$(cd "$builddir" && pwd)/data" \
       timeout 170 "$python" "$srcdir/bench/$p.py" "$builddir/src/app/tasker" >"$results/$p.tsv" 2>"$results/$p.err"; then
    say "$p FAILED:"
    cat "$results/$p.err" >&2
    failed="$failed $p"
  fi
done

for p in $ctl_programs $external_programs; do
  say "running $p"
  if ! timeout 170 "$python" "$srcdir/bench/$p.py" "$builddir" >"$results/$p.tsv" 2>"$results/$p.err"; then
    say "$p FAILED:"
    cat "$results/$p.err" >&2
    failed="$failed $p"
  fi
done

# shellcheck disable=SC2086
"$python" - "$results" "$builddir" $programs $python_programs $app_cpu_programs $ctl_programs $external_programs <<'EOF'
import os, re, sys, unicodedata

results, builddir, programs = sys.argv[1], sys.argv[2], sys.argv[3:]

def pretty_target(target, unit):
    if target == "-":
        return "-"
    m = re.fullmatch(r"(ratio)?(>=|<=|>|<)(.*)", target)
    if not m:
        return target
    op = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}[m.group(2)]
    if m.group(1):
        return f"{op} {m.group(3)}× baseline"
    return f"{op} {group_digits(m.group(3))} {unit.split(' (')[0]}"

def group_digits(s):
    # 500000 -> 500,000; leaves decimals and short numbers alone
    if re.fullmatch(r"-?\d{5,}", s):
        return f"{int(s):,}"
    return s

rows = []
for p in programs:
    path = os.path.join(results, p + ".tsv")
    lines = open(path, encoding="utf-8").read().splitlines() if os.path.exists(path) else []
    got = 0
    for line in lines:
        if not line or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != 8:
            continue
        metric, value, unit, target, bname, bvalue, ratio, verdict = f
        tasker = f"{group_digits(value)} {unit}"
        baseline = "-" if bname == "-" else f"{group_digits(bvalue)} ({bname})"
        rows.append([metric, tasker, baseline, ratio if ratio != "-" else "-",
                     pretty_target(target, unit), verdict])
        got += 1
    if got == 0:
        rows.append([p, "-", "-", "-", "-", "FAILED"])

header = ["benchmark", "Tasker", "baseline", "ratio", "target", "verdict"]

def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)

widths = [max(width(r[i]) for r in rows + [header]) for i in range(len(header))]
right = {1, 2, 3}

def fmt(r):
    cells = []
    for i, c in enumerate(r):
        pad = " " * (widths[i] - width(c))
        cells.append(pad + c if i in right else c + pad)
    return "| " + " | ".join(cells) + " |"

print(fmt(header))
print("|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2))
                     for i, w in enumerate(widths)) + "|")
for r in rows:
    print(fmt(r))

met = sum(1 for r in rows if r[5] == "ok")
judged = sum(1 for r in rows if r[5] in ("ok", "MISS", "FAILED"))
try:
    load = open("/proc/loadavg").read().split()[:3]
except OSError:
    load = ["?"]
print()
print(f"{met} of {judged} targets met; {os.cpu_count()} CPUs, load average {' '.join(load)} "
      f"before the last program; build dir {builddir}. Ratios are Tasker / baseline, "
      "measured in the same process.")
if any(r[0].endswith(" vs Rayforge") for r in rows):
    print("Rows “… vs Rayforge” compare with the reference figures of DESIGN.md §7 (Rayforge's "
          "Python tasker, measured apart on the same kind of machine).")
EOF

if [ -n "$failed" ]; then
  say "failed:$failed"
  exit 1
fi
