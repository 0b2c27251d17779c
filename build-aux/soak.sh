#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# build-aux/soak.sh [SECONDS] [TASKER-SOAK-ARGS...] — build, then run the soak
# test for SECONDS (default 60).
#
# The soak (tests/soak/tasker-soak.c) submits a random mix of thread, process,
# command and coroutine tasks with cancels, keys, timeouts, retries, crashing
# and hanging workers, trees and the history on, and checks DESIGN.md §4 as it
# runs: when_done once, nothing stuck, RSS and fds flat, no zombie or orphan,
# one history record per task. It prints its seed; a failure prints the
# arguments that replay the same choices (`--seed N --duration S --shutdown
# MODE --end HOW`). Other arguments: `--keep-going` (report every violation),
# `--skip LIST` (kinds of work not to submit), `--max-in-flight N`,
# `--inject fd,rss,zombie,orphan` (faults of its own, to see the checks fire);
# see `tasker-soak --help-all`.
#
# Builds in $TASKER_SOAK_BUILDDIR (default build/) with -Dtests=true. Exits
# with the soak's status: 0 for "soak: PASS".
#
#   build-aux/soak.sh            # 60 s, as build-aux/test.sh runs it
#   build-aux/soak.sh 600        # 10 minutes
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source build-aux/setup.sh

seconds=60
if (( $# > 0 )) && [[ "$1" =~ ^[0-9]+$ ]]; then
  seconds="$1"
  shift
fi
builddir="${TASKER_SOAK_BUILDDIR:-build}"

tasker_install_packages
tasker_configure "$builddir" -Dtests=true
tasker_build "$builddir"

export TASKER_WORKER="$PWD/$builddir/src/worker/tasker-worker"
tasker_log "soak for $seconds s"
exec "$builddir/tests/soak/tasker-soak" --duration "$seconds" --verbose "$@"
