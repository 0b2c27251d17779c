#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# build-aux/test.sh — install what is missing, build, and run every test.
#
#   1. build/       meson test (every suite but soak)
#   2. build/       meson test --setup=valgrind --suite lib
#   3. build/       meson test --suite soak: the soak test, $SOAK_SECONDS (60) s
#   4. build-asan/  ASan + UBSan build, meson test --suite lib
#   5. build-tsan/  ThreadSanitizer build, meson test --setup=tsan --suite lib
#                   (src/libtasker/tasker-tsan-private.h, tests/tsan.supp)
#   6. build-fuzz/  when clang is installed: the libFuzzer targets (fuzz/), a
#                   time-boxed run of each (meson test --suite fuzz, 20 s each)
#
# Each stage runs even if an earlier one failed. Prints meson's summary of each
# run, then one last line "N passed, N failed[, N skipped]" over all the runs
# (Ok and Expected Fail count as passed; Fail, Unexpected Pass and Timeout as
# failed; a stage that breaks before meson prints a summary counts as one
# failure). Without clang the fuzz stage is left out (and says so). Exits
# non-zero if anything failed. Runs headless, never prompts.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source build-aux/setup.sh

logdir="$(mktemp -d "${TMPDIR:-/tmp}/tasker-test.XXXXXX")"
trap 'rm -rf "$logdir"' EXIT

total_pass=0
total_fail=0
total_skip=0
failed_stages=()
summaries=()

# The number after "LABEL:" in meson's summary, 0 if absent
summary_count () {
  local n
  n="$(sed -n "s/^$1:[[:space:]]*\([0-9]\+\).*/\1/p" "$2" | tail -n 1)"
  echo "${n:-0}"
}

# run_stage NAME COMMAND... — runs a meson test command, shows its output, adds
# up its summary.
run_stage () {
  local name="$1"
  shift
  local log="$logdir/$name.log"
  local rc ok xfail fail xpass skip timeout

  tasker_log "[$name] $*"
  set +e
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e

  if grep -q '^Ok:' "$log"; then
    ok="$(summary_count 'Ok' "$log")"
    xfail="$(summary_count 'Expected Fail' "$log")"
    fail="$(summary_count 'Fail' "$log")"
    xpass="$(summary_count 'Unexpected Pass' "$log")"
    skip="$(summary_count 'Skipped' "$log")"
    timeout="$(summary_count 'Timeout' "$log")"
    total_pass=$((total_pass + ok + xfail))
    total_fail=$((total_fail + fail + xpass + timeout))
    total_skip=$((total_skip + skip))
    summaries+=("[$name] Ok: $ok  Expected Fail: $xfail  Fail: $fail  Unexpected Pass: $xpass  Skipped: $skip  Timeout: $timeout")
    if (( rc != 0 || fail + xpass + timeout > 0 )); then
      failed_stages+=("$name")
    fi
  elif (( rc == 0 )) && grep -q 'No \(suitable \)\?tests defined' "$log"; then
    summaries+=("[$name] no tests to run")
  else
    total_fail=$((total_fail + 1))
    failed_stages+=("$name")
    summaries+=("[$name] FAILED (exit status $rc) before meson printed a summary")
  fi
}

# build_stage NAME DIR [MESON-ARGS...] — configure and build; a failure counts once.
build_stage () {
  local name="$1" dir="$2"
  shift 2

  local rc=0
  # (errexit does not apply inside a function called from an `if`: chain with &&)
  tasker_configure "$dir" "$@" && tasker_build "$dir" || rc=$?
  if (( rc != 0 )); then
    total_fail=$((total_fail + 1))
    failed_stages+=("$name")
    summaries+=("[$name] FAILED: configuring or building $dir (exit status $rc)")
    return 1
  fi
}

tasker_install_packages

if build_stage build build -Dtests=true -Dexamples=true -Dbenchmarks=true -Datspi-tests=true; then
  run_stage all meson test -C build --print-errorlogs --no-suite soak
  run_stage valgrind meson test -C build --setup=valgrind --suite lib --print-errorlogs
  # Its own stage, after the others so it has the machine to itself; --verbose
  # shows its summary line (counts, tasks/s, RSS and fd samples).
  # (Its 300 s timeout is for 60 s; a longer SOAK_SECONDS stretches it.)
  soak_seconds="${SOAK_SECONDS:-60}"
  run_stage soak env SOAK_SECONDS="$soak_seconds" \
    meson test -C build --suite soak --print-errorlogs --verbose \
      --timeout-multiplier $(( (soak_seconds + 240 + 299) / 300 ))
fi

if build_stage build-asan build-asan \
     -Db_sanitize=address,undefined -Db_lundef=false \
     -Dtests=true -Dexamples=false -Dbenchmarks=false -Dintrospection=disabled; then
  run_stage asan meson test -C build-asan --suite lib --print-errorlogs
fi

# Races are intermittent: the CI run is one sample; run it again by hand
# (meson test -C build-tsan --setup=tsan --suite lib --repeat=N) to look harder.
if build_stage build-tsan build-tsan \
     -Db_sanitize=thread -Db_lundef=false -Dapp=false \
     -Dtests=true -Dexamples=false -Dbenchmarks=false -Dintrospection=disabled; then
  run_stage tsan meson test -C build-tsan --setup=tsan --suite lib --print-errorlogs
fi

if command -v clang >/dev/null 2>&1; then
  if CC=clang build_stage build-fuzz build-fuzz \
       -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false -Dapp=false \
       -Dtests=false -Dexamples=false -Dbenchmarks=false -Dintrospection=disabled; then
    run_stage fuzz meson test -C build-fuzz --suite fuzz --print-errorlogs
  fi
else
  summaries+=("[fuzz] left out: no clang (libFuzzer)")
fi

echo
echo "Summary of all test runs:"
for line in "${summaries[@]}"; do
  echo "  $line"
done
if (( ${#failed_stages[@]} > 0 )); then
  echo "  failed: ${failed_stages[*]}"
fi
if (( total_skip > 0 )); then
  echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
  echo "$total_pass passed, $total_fail failed"
fi

(( ${#failed_stages[@]} == 0 && total_fail == 0 ))
