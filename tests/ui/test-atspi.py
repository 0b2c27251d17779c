#!/usr/bin/python3
# test-atspi.py — AT-SPI smoke test of the real application: start `tasker`,
# add a long command from the command line (forwarded to the running
# instance), find the row's Cancel button by its accessible name, click it
# through its accessible action, and see the task end cancelled.
#
# Runs itself under `xvfb-run -a … dbus-run-session --` when there is no
# display (TOOLCHAIN.md P9, P10; P12: clicks go through the accessible
# "click" action, not coordinates). pyatspi directly: dogtail adds nothing
# here but delays.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shutil
import subprocess
import sys
import tempfile
import time

TASKER = os.environ["TASKER_BIN"]
DEADLINE_S = 30


def reexec_headless():
    if os.environ.get("DISPLAY") or os.environ.get("TASKER_ATSPI_WRAPPED"):
        return
    xvfb = shutil.which("xvfb-run")
    session = shutil.which("dbus-run-session")
    if xvfb is None or session is None:
        print("1..0 # SKIP xvfb-run or dbus-run-session missing")
        sys.exit(0)
    env = dict(os.environ, TASKER_ATSPI_WRAPPED="1")
    os.execvpe(xvfb, [xvfb, "-a", "-s", "-screen 0 1280x800x24", session, "--",
                      sys.executable, os.path.abspath(__file__)], env)


def wait_for(what, predicate, timeout=DEADLINE_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


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


def click(node):
    action = node.queryAction()
    for i in range(action.nActions):
        if action.getName(i) == "click":
            action.doAction(i)
            return
    raise AssertionError(f"{node.name} has no click action")


def main():
    reexec_headless()
    print("1..1", flush=True)

    import pyatspi

    data_home = tempfile.mkdtemp(prefix="tasker-atspi-")
    env = dict(os.environ, XDG_DATA_HOME=data_home, GSETTINGS_BACKEND="memory",
               GDK_BACKEND="x11", ADW_DISABLE_PORTAL="1", LC_ALL="C.UTF-8")
    env.pop("GTK_A11Y", None)
    env.pop("NO_AT_BRIDGE", None)
    app = subprocess.Popen([TASKER], env=env)
    try:
        desktop = pyatspi.Registry.getDesktop(0)

        def application():
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
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
        shutil.rmtree(data_home, ignore_errors=True)


if __name__ == "__main__":
    main()
