#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# build-aux/run.sh [ARGS...] — install what is missing, build, and run Tasker.
#
# Installs the Debian packages in build-aux/packages.txt that are missing,
# configures build/ (or reconfigures it), builds, and runs the application,
# build/src/app/tasker, with ARGS passed on (try --help, or
# `build-aux/run.sh -- rsync -a src/ dst/` to add a task; while Tasker runs,
# that hands the command to the running window). It uses the GSettings schema
# compiled in build/data. Without a display it says so and runs Tasker under
# Xvfb (xvfb-run) with a session bus of its own: nothing is visible then, but
# the application and its tasks really run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source build-aux/setup.sh

tasker_install_packages
tasker_configure build -Dapp=true
tasker_build build

export GSETTINGS_SCHEMA_DIR="$PWD/build/data${GSETTINGS_SCHEMA_DIR:+:$GSETTINGS_SCHEMA_DIR}"
export TASKER_WORKER="$PWD/build/src/worker/tasker-worker"

if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "error: no display (DISPLAY and WAYLAND_DISPLAY are unset) and no xvfb-run to make one" >&2
    exit 1
  fi
  tasker_log "no display: running build/src/app/tasker $* under Xvfb (invisible; Ctrl+C to stop)"
  exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- build/src/app/tasker "$@"
fi

tasker_log "running build/src/app/tasker $*"
exec build/src/app/tasker "$@"
