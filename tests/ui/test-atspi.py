#!/usr/bin/python3
# test-atspi.py — AT-SPI smoke test of the real application: start `tasker`,
# add a long command from the command line (forwarded to the running
# instance), find the row's Cancel button by its accessible name, click it
# through its accessible action, and see the task end cancelled. Then the
# same for another program's task (CreateTask from this process): the click
# reaches the program as CancelRequested, and its Complete ends it cancelled.
#
# Runs itself under `xvfb-run -a … dbus-run-session --` when there is no
# display (clicks go through the accessible "click" action, not coordinates:
# GTK 4.8 reports window-relative extents). pyatspi directly: dogtail adds nothing
# here but delays.
#
# Order matters, each step waited for with a deadline:
#   1. hold a connection to the X server for the whole test. An X server
#      resets when its last client disconnects and drops every connection that
#      arrives meanwhile; libatspi and at-spi-bus-launcher each connect
#      briefly (to read or set the AT_SPI_BUS root-window property), and when
#      `tasker` connected in that window it died with "cannot open display",
#      so it never appeared on the accessibility bus (one run in three).
#   2. start the accessibility bus and registry, and see the registry answer;
#   3. only then start `tasker`, failing at once if it exits.
# GSK_RENDERER=cairo: with GL (llvmpipe here) the running task's spinner
# costs a full CPU per frame and every AT-SPI call waits behind it (walking
# the window took 45-55 s instead of 0.5 s).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shutil
import subprocess
import sys
import tempfile
import time

TASKER = os.environ["TASKER_BIN"]
APP_ID = os.environ["TASKER_APP_ID"]
DEADLINE_S = 30


def reexec_headless():
    if os.environ.get("DISPLAY") or os.environ.get("TASKER_ATSPI_WRAPPED"):
        return
    xvfb = shutil.which("xvfb-run")
    session = shutil.which("dbus-run-session")
    if xvfb is None or session is None:
        print("1..0 # SKIP xvfb-run or dbus-run-session missing")
        sys.exit(0)
    # The accessibility bus listens on $XDG_RUNTIME_DIR/at-spi/bus_<display>
    # (~/.cache/at-spi/... without it): a private directory, so that another
    # session on the same display number, or the previous run's bus still
    # shutting down, cannot remove our socket.
    runtime_dir = tempfile.mkdtemp(prefix="tasker-atspi-run-")
    env = dict(os.environ, TASKER_ATSPI_WRAPPED="1", XDG_RUNTIME_DIR=runtime_dir,
               TASKER_ATSPI_RUNTIME_DIR=runtime_dir)
    # -noreset: see hold_display()
    os.execvpe(xvfb, [xvfb, "-a", "-s", "-screen 0 1280x800x24 -noreset", session, "--",
                      sys.executable, os.path.abspath(__file__)], env)


def wait_for(what, predicate, timeout=DEADLINE_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


def hold_display():
    """Opens a connection to the X server and keeps it until the process exits.
    When its last client disconnects an X server resets and closes the
    connections that arrive during the reset. Short-lived clients (libatspi and
    at-spi2's bus launcher read or set the AT_SPI_BUS root-window property)
    would otherwise race with the application opening its display. -noreset
    covers the server xvfb-run starts for us; this covers one given in DISPLAY."""
    import ctypes
    xlib = ctypes.CDLL("libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    return wait_for(f"a connection to the X display {os.environ.get('DISPLAY')}",
                    lambda: xlib.XOpenDisplay(None))


def name_has_owner(connection, name):
    from gi.repository import Gio, GLib
    reply = connection.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "NameHasOwner",
                                 GLib.Variant("(s)", (name,)), GLib.VariantType("(b)"),
                                 Gio.DBusCallFlags.NONE, 5000, None)
    return reply.unpack()[0]


def accessibility_registry_running():
    """True once org.a11y.Bus owns its name on the session bus and the registry
    owns org.a11y.atspi.Registry on the accessibility bus."""
    from gi.repository import Gio, GLib
    try:
        session = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        if not name_has_owner(session, "org.a11y.Bus"):
            return False
        address = session.call_sync("org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus",
                                    "GetAddress", None, GLib.VariantType("(s)"),
                                    Gio.DBusCallFlags.NONE, 5000, None).unpack()[0]
        a11y = Gio.DBusConnection.new_for_address_sync(
            address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        try:
            return name_has_owner(a11y, "org.a11y.atspi.Registry")
        finally:
            a11y.close_sync(None)
    except GLib.Error:
        return False


def find_all(node, predicate, found=None):
    """Every node under @node (itself included) for which @predicate holds.
    GTK 4.8 has no AT-SPI cache: the first walk costs a D-Bus call per node."""
    found = [] if found is None else found
    try:
        if predicate(node):
            found.append(node)
        for i in range(node.childCount):
            child = node.getChildAtIndex(i)
            if child is not None:
                find_all(child, predicate, found)
    except Exception:
        pass  # a node that went away while we walked
    return found


def call(connection, path, interface, method, args, reply_type):
    from gi.repository import Gio, GLib
    return connection.call_sync(APP_ID, path, interface, method, args,
                                GLib.VariantType(reply_type) if reply_type else None,
                                Gio.DBusCallFlags.NONE, DEADLINE_S * 1000, None)


def click(node):
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) == "click":
            action.doAction(i)
            return
    raise AssertionError(f"{node.name} has no click action")


def main():
    reexec_headless()
    print("1..2", flush=True)

    # Before anything else touches the display; never closed (see hold_display()).
    hold_display()

    import pyatspi

    # The accessibility bus and its registry are started (D-Bus activation)
    # by the first use of the desktop; see them running before the application.
    desktop = pyatspi.Registry.getDesktop(0)
    wait_for("the accessibility bus and its registry", accessibility_registry_running)

    data_home = tempfile.mkdtemp(prefix="tasker-atspi-")
    env = dict(os.environ, XDG_DATA_HOME=data_home, GSETTINGS_BACKEND="memory",
               GDK_BACKEND="x11", GSK_RENDERER="cairo", ADW_DISABLE_PORTAL="1",
               LC_ALL="C.UTF-8")
    env.pop("GTK_A11Y", None)
    env.pop("NO_AT_BRIDGE", None)
    app = subprocess.Popen([TASKER], env=env)
    try:
        def application():
            if app.poll() is not None:
                raise AssertionError(f"tasker exited with status {app.returncode} "
                                     "before it appeared on the accessibility bus")
            for i in range(desktop.childCount):
                child = desktop.getChildAtIndex(i)
                if child is not None and child.name == "tasker":
                    return child
            return None

        tasker = wait_for("the application on the accessibility bus", application)

        # Forwarded to the running instance, which adds the task.
        subprocess.run([TASKER, "--", "sleep", "600"], env=env, check=True, timeout=DEADLINE_S)

        def cancel_buttons():
            return find_all(tasker, lambda n: n.name == "Cancel" and
                            n.getRoleName() in ("push button", "button"))

        buttons = wait_for("the row's Cancel button, by its accessible name", cancel_buttons,
                           timeout=120)
        click(buttons[0])

        wait_for("the task shown as cancelled",
                 lambda: find_all(tasker, lambda n: n.name == "Cancelled"), timeout=120)
        print("ok 1 /Tasker/ATSPI/cancel-button", flush=True)

        # Another program's task: this process reports it, owning it by its connection.
        from gi.repository import Gio, GLib
        program = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        path, task_id = call(program, "/io/github/tasker/Tasker", "io.github.tasker.Tasker1",
                             "CreateTask",
                             GLib.Variant("(sa{sv})", ("Another program's job",
                                                       {"message": GLib.Variant("s", "Copying")})),
                             "(ot)").unpack()

        def cancel_requested():
            return call(program, path, "org.freedesktop.DBus.Properties", "Get",
                        GLib.Variant("(ss)", ("io.github.tasker.Tasker1.Task", "CancelRequested")),
                        "(v)").unpack()[0]

        # The first task's Cancel is gone with it: this one is the external task's.
        buttons = wait_for("the external task's Cancel button", cancel_buttons, timeout=120)
        assert not cancel_requested()
        click(buttons[0])
        wait_for("the program told to stop (CancelRequested)", cancel_requested, timeout=60)
        call(program, path, "io.github.tasker.Tasker1.Task", "Complete", None, None)

        def status():
            return call(program, "/io/github/tasker/Tasker", "io.github.tasker.Tasker1", "GetTask",
                        GLib.Variant("(t)", (task_id,)), "(a{sv})").unpack()[0]["status"]

        wait_for("the external task cancelled", lambda: status() == "cancelled", timeout=60)
        wait_for("no Cancel button left in the window", lambda: not cancel_buttons(), timeout=120)
        print("ok 2 /Tasker/ATSPI/external-task-cancel-button", flush=True)
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
        shutil.rmtree(data_home, ignore_errors=True)
        runtime_dir = os.environ.get("TASKER_ATSPI_RUNTIME_DIR")
        if runtime_dir and runtime_dir == os.environ.get("XDG_RUNTIME_DIR"):
            shutil.rmtree(runtime_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
