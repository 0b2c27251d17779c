#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# build-aux/run.sh [ARGS...] — install what is missing, build, and run Tasker.
#
# Installs the Debian packages in build-aux/packages.txt that are missing,
# configures build/ (or reconfigures it), builds, and runs the main program:
# for now the example build/examples/tasker-demo, with ARGS passed on
# (try --quick or --plain).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source build-aux/setup.sh

tasker_install_packages
tasker_configure build -Dexamples=true
tasker_build build

tasker_log "running build/examples/tasker-demo $*"
exec build/examples/tasker-demo "$@"
