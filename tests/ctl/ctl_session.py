# SPDX-License-Identifier: LGPL-2.1-or-later
"""A private session bus that starts the build's `tasker`, for taskerctl's tests and benchmark.

Each `CtlSession` is a dbus-daemon of its own (unix socket in a temporary directory) whose
service directory holds the build's .service file with the built `tasker` as Exec: the
first call of `taskerctl` activates the application (service mode, no window), as the
desktop's bus would. Every process of a session (the daemon, the application, its workers
and commands) carries the variable TASKERCTL_TEST_MARKER in its environment; closing the
session ends the application and the daemon, and `leftovers()` finds any process that
still carries the marker. Waits poll with deadlines; nothing sleeps for a fixed time.

The environment names the build: TASKERCTL, TASKER_BIN, TASKER_APP_ID, TASKER_SERVICE_FILE
(tests/ctl/meson.build and bench/meson.build set them).
"""

import configparser
import ctypes
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

TASKERCTL = os.environ["TASKERCTL"]
TASKER_BIN = os.environ["TASKER_BIN"]
APP_ID = os.environ["TASKER_APP_ID"]
SERVICE_FILE = os.environ["TASKER_SERVICE_FILE"]
DEADLINE_S = 60.0

PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def wait_until(predicate, timeout=DEADLINE_S, step=0.02):
    """Polls `predicate` until it returns something true, or the deadline; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def marked_pids(marker):
    """The pids of the processes whose environment holds TASKERCTL_TEST_MARKER=marker."""
    needle = ("TASKERCTL_TEST_MARKER=" + marker).encode() + b"\0"
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % name, "rb") as f:
                if needle in f.read() + b"\0":
                    with open("/proc/%s/stat" % name) as stat:
                        # Zombies are gone but for their parent's wait.
                        if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                            continue
                    pids.append(int(name))
        except OSError:
            continue
    return pids


class CtlSession:
    def __init__(self, exec_line=None, service=True, settings=None):
        """exec_line: the service's Exec (default: the built `tasker`); service: whether
        there is a .service file at all; settings: keys of the application's GSettings
        schema as GVariant text ({"queues": "[('default', 200, 0)]"}), through the
        keyfile backend (else the memory backend, with the defaults)."""
        self.dir = tempfile.mkdtemp(prefix="taskerctl-test-")
        self.marker = os.path.basename(self.dir)
        services = os.path.join(self.dir, "services")
        os.makedirs(services)
        self.data_home = os.path.join(self.dir, "data")
        os.makedirs(self.data_home)

        if service:
            parser = configparser.ConfigParser(interpolation=None)
            parser.optionxform = str
            parser.read(SERVICE_FILE)
            section = parser["D-BUS Service"]
            assert section["Name"] == APP_ID
            args = shlex.split(section["Exec"])
            assert args[0].endswith("/tasker") and args[1:] == ["--gapplication-service"]
            if exec_line is None:
                exec_line = " ".join([TASKER_BIN] + args[1:])
            with open(os.path.join(services, APP_ID + ".service"), "w") as f:
                f.write("[D-BUS Service]\nName=%s\nExec=%s\n" % (APP_ID, exec_line))

        socket = os.path.join(self.dir, "bus")
        self.address = "unix:path=" + socket
        config = os.path.join(self.dir, "bus.conf")
        with open(config, "w") as f:
            f.write("<busconfig><type>session</type>"
                    "<listen>%s</listen><auth>EXTERNAL</auth>"
                    "<servicedir>%s</servicedir>"
                    "<policy context='default'><allow send_destination='*' eavesdrop='true'/>"
                    "<allow eavesdrop='true'/><allow own='*'/></policy></busconfig>"
                    % (self.address, services))

        self.env = dict(os.environ)
        for name in ("DBUS_STARTER_ADDRESS", "DBUS_STARTER_BUS_TYPE"):
            self.env.pop(name, None)
        if settings:
            config_home = os.path.join(self.dir, "config")
            os.makedirs(os.path.join(config_home, "glib-2.0", "settings"))
            with open(os.path.join(config_home, "glib-2.0", "settings", "keyfile"), "w") as f:
                f.write("[io/github/tasker/Tasker]\n")
                for key, value in settings.items():
                    f.write("%s=%s\n" % (key, value))
            self.env.update({"GSETTINGS_BACKEND": "keyfile", "XDG_CONFIG_HOME": config_home})
        self.env.update({
            "DBUS_SESSION_BUS_ADDRESS": self.address,
            "XDG_DATA_HOME": self.data_home,
            "TASKERCTL_TEST_MARKER": self.marker,
            "GNOTIFICATION_BACKEND": "gtk",
            "LC_ALL": "C.UTF-8",
        })
        # The daemon's environment is the application's.
        self.daemon = subprocess.Popen(["dbus-daemon", "--nofork", "--config-file", config],
                                       env=self.env, preexec_fn=_die_with_parent,
                                       stdout=subprocess.DEVNULL,
                                       stderr=open(os.path.join(self.dir, "bus.log"), "w"))
        assert wait_until(lambda: os.path.exists(socket), 10), "dbus-daemon did not start"

    def ctl(self, *args, env=None, cwd=None, timeout=DEADLINE_S, check_rc=None):
        """Runs taskerctl ARGS on this session's bus; returns the CompletedProcess."""
        full_env = dict(self.env)
        if env:
            full_env.update(env)
        result = subprocess.run([TASKERCTL] + list(args), env=full_env, cwd=cwd, timeout=timeout,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if check_rc is not None:
            assert result.returncode == check_rc, (args, result.returncode, result.stdout, result.stderr)
        return result

    def spawn(self, *args, env=None):
        full_env = dict(self.env)
        if env:
            full_env.update(env)
        return subprocess.Popen([TASKERCTL] + list(args), env=full_env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def add(self, *args):
        """`taskerctl add ARGS`; returns the new task's id."""
        result = self.ctl("add", *args, check_rc=0)
        return int(result.stdout.strip())

    def keep_alive(self):
        """A task that lives until the session closes, so that the application stays.

        An activated application quits 10 s after it has nothing to run and no call
        came; tests that wait longer than that between calls would restart it. Tests
        of what taskerctl does with tasks keep one instance up; the application's
        lifecycle is tested in tests/ui and test_activated_application_stays_while_calls_come."""
        self.keeper = self.add("--name", "keep-alive", "--", "sleep", "3600")

    def task(self, task_id):
        return json.loads(self.ctl("status", "--json", str(task_id), check_rc=0).stdout)

    def wait_status(self, task_id, statuses, timeout=DEADLINE_S):
        """Waits until the task's status is one of `statuses`; returns the task."""
        found = {}

        def check():
            found["task"] = self.task(task_id)
            return found["task"]["status"] in statuses
        assert wait_until(check, timeout, 0.1), found.get("task")
        return found["task"]

    def gdbus(self, *args):
        return subprocess.run(["gdbus", "call", "--address", self.address] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def app_pid(self):
        """The pid of the application on this bus, or None."""
        result = self.gdbus("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                            "--method", "org.freedesktop.DBus.GetConnectionUnixProcessID", APP_ID)
        if result.returncode != 0:
            return None
        return int(result.stdout.strip("()\n ,").split()[-1])

    def leftovers(self):
        return marked_pids(self.marker)

    def close(self):
        """Ends the application (its tasks cancelled first) and the daemon; fails when any
        other process of the session was left (it is killed first)."""
        pid = self.app_pid()
        if pid is not None:
            live = [str(json.loads(line)["id"]) for line in
                    self.ctl("list", "--json", timeout=60).stdout.splitlines()]
            if live:
                self.ctl("cancel", *live, timeout=120)
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if not wait_until(lambda: not os.path.exists("/proc/%d" % pid) or
                              pid not in marked_pids(self.marker), 20):
                os.kill(pid, signal.SIGKILL)
        self.daemon.terminate()
        self.daemon.wait(10)
        self.swept = []
        for leftover in marked_pids(self.marker):
            try:
                with open("/proc/%d/cmdline" % leftover, "rb") as f:
                    self.swept.append((leftover, f.read().replace(b"\0", b" ").decode(errors="replace")))
            except OSError:
                pass
            try:
                os.kill(leftover, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert wait_until(lambda: not marked_pids(self.marker), 10), marked_pids(self.marker)
        shutil.rmtree(self.dir, ignore_errors=True)
        # The application and its supervisor end every process they started: the sweep
        # above is a safety net that must have found nothing.
        assert self.swept == [], self.swept
