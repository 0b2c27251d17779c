#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# with-display.sh PROGRAM [ARGS...] — runs PROGRAM with a display and a
# session bus: under xvfb-run when DISPLAY is unset, under dbus-run-session
# when there is no session bus (xvfb-run outside: the other order starts the
# accessibility registry without DISPLAY).
if [ -z "$DISPLAY" ] && [ -z "$WAYLAND_DISPLAY" ]; then
  exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- "$@"
fi
if [ -z "$DBUS_SESSION_BUS_ADDRESS" ]; then
  exec dbus-run-session -- "$@"
fi
exec "$@"
