# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the benchmarks against the real application share (bench-ctl.py, bench-external.py).

`start(name)` reads `[--quick] BUILDDIR` from the command line, re-runs the program under
xvfb-run when there is no display (the application is a GTK program even without a window),
and sets the environment that tests/ctl/ctl_session.py reads for that build, so that the
caller can then import it. `row()` prints one tab-separated result row, as
bench/bench-common.h describes.
"""

import configparser
import glob
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "ctl"))

_name = "bench"


def say(*args):
    print(_name + ":", *args, file=sys.stderr, flush=True)


def row(metric, value, unit, op=None, target=None, baseline=None, baseline_value=None):
    if op is None:
        target_s, verdict = "-", "-"
    else:
        target_s = "%s%g" % (op, target)
        verdict = "ok" if (value <= target if op == "<=" else value >= target) else "MISS"
    if baseline is None:
        fields = ["-", "-", "-"]
    else:
        ratio = value / baseline_value if baseline_value else 0.0
        fields = [baseline, "%.2f" % baseline_value, "%.2f" % ratio]
    print("\t".join([metric, "%.2f" % value, unit, target_s] + fields + [verdict]), flush=True)


def use_build(builddir):
    """The environment ctl_session.py reads, for the build in builddir (its typelib too)."""
    builddir = os.path.abspath(builddir)
    services = glob.glob(os.path.join(builddir, "data", "io.github.tasker.Tasker*.service"))
    assert len(services) == 1, services
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(services[0])
    libdir = os.path.join(builddir, "src", "libtasker")
    os.environ.update({
        "TASKERCTL": os.path.join(builddir, "src", "ctl", "taskerctl"),
        "TASKER_BIN": os.path.join(builddir, "src", "app", "tasker"),
        "TASKER_APP_ID": parser["D-BUS Service"]["Name"],
        "TASKER_SERVICE_FILE": services[0],
        "TASKER_WORKER": os.path.join(builddir, "src", "worker", "tasker-worker"),
        "GSETTINGS_SCHEMA_DIR": os.path.join(builddir, "data"),
        "GI_TYPELIB_PATH": libdir,
        "LD_LIBRARY_PATH": libdir,
        "PYTHONPATH": os.pathsep.join([os.path.join(HERE, "..", "src", "libtasker", "python"),
                                      os.path.join(builddir, "src", "libtasker", "python")]),
        "PYTHONDONTWRITEBYTECODE": "1",
    })


def start(name, argv):
    """Returns quick (whether --quick was given), or exits: 2 for a usage error, 77 when
    dbus-daemon or xvfb-run is missing. May re-run the program under xvfb-run."""
    global _name
    _name = name
    args = [a for a in argv[1:] if a != "--quick"]
    quick = len(args) != len(argv) - 1
    if len(args) != 1:
        say("usage: %s.py [--quick] BUILDDIR" % name)
        sys.exit(2)
    if not shutil.which("dbus-daemon"):
        say("dbus-daemon is missing")
        sys.exit(77)
    if not os.environ.get("DISPLAY"):
        if not shutil.which("xvfb-run"):
            say("xvfb-run is missing")
            sys.exit(77)
        os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable,
                               os.path.abspath(argv[0])] + argv[1:])
    use_build(args[0])
    for variable, value in (("GSETTINGS_BACKEND", "memory"), ("GDK_BACKEND", "x11"),
                            ("GSK_RENDERER", "cairo"), ("GTK_A11Y", "none"), ("NO_AT_BRIDGE", "1"),
                            ("ADW_DISABLE_PORTAL", "1"), ("LC_ALL", "C.UTF-8")):
        os.environ.setdefault(variable, value)
    return quick
