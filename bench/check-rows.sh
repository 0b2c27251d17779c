#!/bin/sh
# check-rows.sh PROGRAM [ARGS...]: runs a benchmark program (the test suite
# passes --quick) and checks that it exits with status 0 and prints at least
# one well-formed row: 8 tab-separated fields, a numeric value, a verdict of
# ok, MISS or "-". A missed target is not a failure here: timing belongs to
# the benchmarks (meson benchmark, build-aux/bench.sh), not to the tests.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -u

out=$("$@")
status=$?
printf '%s\n' "$out"
if [ "$status" -ne 0 ]; then
  echo "check-rows: $1 exited with status $status" >&2
  exit 1
fi

printf '%s\n' "$out" | awk -F '\t' '
  /^#/ || /^$/ { next }
  NF != 8 { printf "check-rows: line %d has %d fields, not 8: %s\n", NR, NF, $0 > "/dev/stderr"; bad = 1; next }
  $2 !~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ { printf "check-rows: line %d: value \"%s\" is not a number\n", NR, $2 > "/dev/stderr"; bad = 1; next }
  $8 != "ok" && $8 != "MISS" && $8 != "-" { printf "check-rows: line %d: bad verdict \"%s\"\n", NR, $8 > "/dev/stderr"; bad = 1; next }
  { rows++ }
  END {
    if (rows == 0) { print "check-rows: no rows printed" > "/dev/stderr"; bad = 1 }
    exit bad
  }'
