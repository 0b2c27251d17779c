# test_worker_protocol.py
#
# SPDX-License-Identifier: LGPL-2.1-or-later

"""The Python worker (src/libtasker/python/tasker/worker.py) at
the level of docs/worker-protocol.md, without the override or a manager.

Each test spawns the worker as a manager would: the socket on fd 3, the read
ends of its own stdout/stderr pipes on fds 4 and 5, `--update-interval=5`.
The test speaks the protocol itself: frames are split and built by hand from
their documented layout, bodies (de)serialised with GLib.Variant, and every
frame the worker sends is checked to be a normal-form `(uuv)` that encodes
back to the same bytes. Waiting is on the socket with deadlines, never by
sleeping.
"""

import fcntl
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import textwrap
import time

import pytest

import gi

gi.require_version("GLib", "2.0")
from gi.repository import GLib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import worker_funcs  # noqa: E402

SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))
WORKER = os.path.join(SOURCE_ROOT, "src", "libtasker", "python", "tasker", "worker.py")
PYTHON = "/usr/bin/python3"
INTERVAL_MS = 5

# A bound for a failing test; a passing one never waits for it.
DEADLINE_S = 10.0

MAX_FRAME = 16 * 1024 * 1024

HELLO, RUN, CANCEL, STARTED, PROGRESS, MESSAGE, EVENT, LOG, RESULT, ERROR, EXIT = range(1, 12)
BODY_TYPES = {
    HELLO: "(ui)", RUN: "(tsvt)", CANCEL: "(t)", STARTED: "(t)", PROGRESS: "(td)",
    MESSAGE: "(tms)", EVENT: "(tsmv)", LOG: "(ts)", RESULT: "(tv)", ERROR: "(tsis)", EXIT: "()",
}

TASKER_DOMAIN = "tasker-error-quark"
FAILED, INVALID_ARGUMENT, SERIALIZATION = 0, 1, 5
IO_DOMAIN = "g-io-error-quark"
IO_ERROR_CANCELLED = 19
# On RESULT and ERROR: the function returned before any cancel reached it.
FLAG_BEFORE_CANCEL = 0x1


# --- a tiny codec ---------------------------------------------------------------

def encode(msg_type, body, flags=0):
    """A frame: 4-byte little-endian length, then the (uuv) payload laid out
    as the protocol page says: type, flags, the body's data at offset 8, a NUL
    and the body's type string."""
    payload = (struct.pack("=II", msg_type, flags) + body.get_data_as_bytes().get_data()
               + b"\0" + body.get_type_string().encode("ascii"))
    return struct.pack("<I", len(payload)) + payload


class Frame:
    """A decoded frame: its type, task id (None for HELLO/EXIT) and fields."""

    def __init__(self, msg_type, body, flags=0):
        self.type = msg_type
        self.body = body
        self.flags = flags
        self.id = None
        if msg_type == HELLO:
            self.fields = body.unpack()
        elif msg_type == EXIT:
            self.fields = ()
        else:
            self.id = body.get_child_value(0).get_uint64()
            if msg_type == RESULT:
                value = body.get_child_value(1).get_variant()
                self.fields = (value.get_type_string(), value.get_data_as_bytes().get_data())
            elif msg_type == EVENT:
                name = body.get_child_value(1).get_string()
                maybe = body.get_child_value(2)
                data = maybe.get_child_value(0).get_variant() if maybe.n_children() else None
                self.fields = (name, data)
            else:
                self.fields = body.unpack()[1:]

    @property
    def value(self):
        """A RESULT's unpickled value."""
        assert self.type == RESULT
        value_type, data = self.fields
        assert value_type == "ay"
        return pickle.loads(data)

    @property
    def event_data(self):
        assert self.type == EVENT
        data = self.fields[1]
        if data is None:
            return None
        assert data.get_type_string() == "ay"
        return pickle.loads(data.get_data_as_bytes().get_data())

    def __repr__(self):
        shown = self.fields if self.type != RESULT else (self.fields[0], len(self.fields[1]))
        return f"Frame({self.type}, id={self.id}, {shown!r:.200})"


def decode(payload):
    """Checks a payload is what the protocol allows and decodes it."""
    msg_type, flags = struct.unpack_from("=II", payload)
    assert flags & ~(FLAG_BEFORE_CANCEL if msg_type in (RESULT, ERROR) else 0) == 0
    separator = payload.rfind(b"\0")
    body_type = payload[separator + 1:].decode("ascii")
    assert body_type == BODY_TYPES[msg_type], (msg_type, body_type)
    whole = GLib.Variant.new_from_bytes(GLib.VariantType.new("(uuv)"), GLib.Bytes.new(payload),
                                        False)
    assert whole.is_normal_form(), payload[:200]
    body = GLib.Variant.new_from_bytes(GLib.VariantType.new(body_type),
                                       GLib.Bytes.new(payload[8:separator]), False)
    assert body.is_normal_form()
    # Canonical: encoding the decoded message gives back the same bytes.
    assert encode(msg_type, body, flags)[4:] == payload
    return Frame(msg_type, body, flags)


def run_body(task_id, payload, entry_point="python:func", trace_id=0x1234):
    args = GLib.Variant.new_from_bytes(GLib.VariantType.new("ay"), GLib.Bytes.new(payload), True)
    return GLib.Variant("(tsvt)", (task_id, entry_point, args, trace_id))


def make_payload(qualname, *args, module="worker_funcs", sys_path=None, main_path=None, **kwargs):
    if sys_path is None:
        sys_path = list(sys.path)
    return pickle.dumps((sys_path, main_path, module, qualname, args, kwargs),
                        pickle.HIGHEST_PROTOCOL)


# --- the worker process -----------------------------------------------------------

class WorkerProcess:
    def __init__(self, interval_ms=INTERVAL_MS):
        self.sock, child_sock = socket.socketpair()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        sources = (child_sock.fileno(), out_r, err_r)

        def onto_3_4_5():
            # Out of the way first (the sources may sit on 3, 4 or 5), then
            # onto their places; dup2 leaves them inheritable.
            moved = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in sources]
            for target, fd in zip((3, 4, 5), moved):
                os.dup2(fd, target)

        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        # Everything else is CLOEXEC, so nothing but 0-5 reaches the worker.
        self.proc = subprocess.Popen([PYTHON, WORKER, f"--update-interval={interval_ms}"],
                                     stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w,
                                     preexec_fn=onto_3_4_5, close_fds=False, env=env)
        child_sock.close()
        os.close(out_w)
        os.close(err_w)
        # Kept, as a manager keeps them: what is left once the worker is gone.
        self.out_r = out_r
        self.err_r = err_r
        self._buffer = bytearray()
        self._eof = False
        self.next_id = 1
        self.hello = self.read()

    def send(self, *frames):
        self.sock.sendall(b"".join(frames))

    def run(self, qualname, *args, **kwargs):
        """Sends RUN for worker_funcs.<qualname>; returns the task id."""
        return self.run_payload(make_payload(qualname, *args, **kwargs), entry_point=qualname)

    def run_payload(self, payload, entry_point="worker_funcs:func"):
        task_id = self.next_id
        self.next_id += 1
        if ":" not in entry_point:
            entry_point = "worker_funcs:" + entry_point
        self.send(encode(RUN, run_body(task_id, payload, entry_point)))
        return task_id

    def cancel(self, task_id):
        self.send(encode(CANCEL, GLib.Variant("(t)", (task_id,))))

    def read(self, timeout=DEADLINE_S):
        """The next frame, or None at the end of the stream."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self._buffer) >= 4:
                (length,) = struct.unpack_from("<I", self._buffer)
                assert length <= MAX_FRAME
                if len(self._buffer) >= 4 + length:
                    payload = bytes(self._buffer[4:4 + length])
                    del self._buffer[:4 + length]
                    return decode(payload)
            if self._eof:
                assert not self._buffer, "the stream ended inside a frame"
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no frame from the worker within {timeout} s; "
                            f"stderr: {self.stderr()!r}")
            readable, _, _ = select.select([self.sock], [], [], remaining)
            if readable:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    self._eof = True
                self._buffer += chunk

    def read_until(self, predicate, timeout=DEADLINE_S):
        """Frames up to and including the first one `predicate` accepts."""
        frames = []
        deadline = time.monotonic() + timeout
        while True:
            frame = self.read(max(0.0, deadline - time.monotonic()))
            assert frame is not None, f"the stream ended; got {frames!r}; stderr: {self.stderr()!r}"
            frames.append(frame)
            if predicate(frame):
                return frames

    def read_task(self, task_id, timeout=DEADLINE_S):
        """Frames up to the end (RESULT or ERROR) of `task_id`."""
        return self.read_until(lambda f: f.type in (RESULT, ERROR) and f.id == task_id, timeout)

    def read_to_eof(self, timeout=DEADLINE_S):
        frames = []
        deadline = time.monotonic() + timeout
        while True:
            frame = self.read(max(0.0, deadline - time.monotonic()))
            if frame is None:
                return frames
            frames.append(frame)

    def wait(self, timeout=DEADLINE_S):
        """The exit status, within the deadline."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the worker did not exit within {timeout} s")

    def stderr(self):
        """What the worker wrote to stderr and nobody read (after it died)."""
        chunks = []
        while True:
            try:
                chunk = os.read(self.err_r, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode("utf-8", "replace")

    def close(self):
        self.sock.close()
        try:
            self.proc.wait(DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.out_r)
        os.close(self.err_r)


@pytest.fixture
def worker():
    process = WorkerProcess()
    yield process
    process.close()


def of_task(frames, task_id, *types):
    return [f for f in frames if f.id == task_id and (not types or f.type in types)]


def single(frames, msg_type):
    found = [f for f in frames if f.type == msg_type]
    assert len(found) == 1, frames
    return found[0]


def log_lines(frames, task_id):
    return [f.fields[0] for f in of_task(frames, task_id, LOG)]


# --- start and results --------------------------------------------------------------

def test_hello(worker):
    assert worker.hello.type == HELLO
    assert worker.hello.fields == (1, worker.proc.pid)


def test_result_round_trip(worker):
    task = worker.run("add", 2, 3)
    frames = worker.read_task(task)
    assert [f.type for f in frames] == [STARTED, RESULT]
    assert frames[0].id == task
    assert frames[1].value == 5
    # No cancel had reached it: its result stands, whatever the manager does
    # meanwhile.
    assert frames[1].flags == FLAG_BEFORE_CANCEL


def test_kwargs_and_objects(worker):
    first = worker.run("describe", 1, "two", x=3, y=[4])
    second = worker.run("move", worker_funcs.Point(1, 2), dx=10)
    frames = worker.read_task(second)
    assert single(of_task(frames, first), RESULT).value == {"args": (1, "two"),
                                                             "kwargs": {"x": 3, "y": [4]}}
    assert single(of_task(frames, second), RESULT).value == worker_funcs.Point(11, 2)


def test_qualname_of_several_parts(worker):
    task = worker.run("Holder.run", 7)
    assert worker.read_task(task)[-1].value == ("held", 7)


def test_sys_path_from_payload(worker):
    path = [HERE] + [p for p in sys.path if p != HERE] + ["/nonexistent/tasker"]
    task = worker.run_payload(make_payload("path_of", sys_path=path))
    assert worker.read_task(task)[-1].value == path


def test_same_payload_again_is_read_again(worker):
    """The worker reads the payload of a task without arguments once and
    keeps it for the next with the same bytes: the next still starts from
    the payload's sys.path (not what the last task left), and arguments are
    never shared between tasks."""
    path = [HERE] + [p for p in sys.path if p != HERE]
    grows = make_payload("path_grows", sys_path=path)
    appends = make_payload("append_one", [], sys_path=path)
    results = []
    for payload, entry in ((grows, "path_grows"), (grows, "path_grows"),
                           (appends, "append_one"), (appends, "append_one"),
                           (grows, "path_grows")):
        task = worker.run_payload(payload, entry_point=entry)
        results.append(worker.read_task(task)[-1].value)
    grown = path + ["/nonexistent/grown"]
    assert results == [grown, grown, [1], [1], grown]


def test_module_not_on_sys_path(worker):
    path = [p for p in sys.path if p != HERE]
    task = worker.run_payload(make_payload("add", 1, 2, sys_path=path))
    error = worker.read_task(task)[-1]
    assert error.type == ERROR
    assert error.fields == (TASKER_DOMAIN, INVALID_ARGUMENT,
                            "cannot import module “worker_funcs”: "
                            "No module named 'worker_funcs'")


def test_missing_attribute(worker):
    task = worker.run("Holder.nope")
    assert worker.read_task(task)[-1].fields == (
        TASKER_DOMAIN, INVALID_ARGUMENT,
        "module “worker_funcs” has no attribute “Holder.nope”")


def test_argument_that_does_not_unpickle(worker, tmp_path):
    # A class the test process can import and the worker cannot.
    (tmp_path / "ghost_module_for_tasker.py").write_text("class Ghost:\n    pass\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import ghost_module_for_tasker
        payload = make_payload("describe", ghost_module_for_tasker.Ghost(),
                               sys_path=[p for p in sys.path if p != str(tmp_path)])
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("ghost_module_for_tasker", None)
    task = worker.run_payload(payload)
    frames = worker.read_task(task)
    assert frames[-1].type == ERROR
    assert frames[-1].fields == (TASKER_DOMAIN, SERIALIZATION,
                                 "cannot unpickle argument: "
                                 "No module named 'ghost_module_for_tasker'")
    # The worker carries on.
    task = worker.run("add", 1, 1)
    assert worker.read_task(task)[-1].value == 2


def test_garbage_payload(worker):
    task = worker.run_payload(b"not a pickle")
    error = worker.read_task(task)[-1]
    assert error.fields[:2] == (TASKER_DOMAIN, SERIALIZATION)
    assert error.fields[2].startswith("cannot unpickle argument: ")


def test_exception(worker):
    task = worker.run("fail", "bad value")
    frames = worker.read_task(task)
    assert [f.type for f in frames] == [STARTED, EVENT, ERROR]
    event, error = frames[1:]
    assert event.fields[0] == "tasker.exception"
    exception, tb_text = event.event_data
    assert isinstance(exception, ValueError)
    assert exception.args == ("bad value",)
    assert "in fail" in tb_text and "ValueError: bad value" in tb_text
    assert os.path.join("tasker", "worker.py") not in tb_text
    assert error.fields == (TASKER_DOMAIN, FAILED, "ValueError: bad value")
    assert error.flags == FLAG_BEFORE_CANCEL


def test_exception_that_does_not_pickle(worker):
    task = worker.run("fail_unpicklable")
    frames = worker.read_task(task)
    assert [f.type for f in frames] == [STARTED, ERROR]
    assert frames[-1].fields == (TASKER_DOMAIN, FAILED, "Unpicklable: cannot travel")


def test_exception_without_text(worker):
    task = worker.run("fail_empty")
    assert worker.read_task(task)[-1].fields == (TASKER_DOMAIN, FAILED, "KeyError")


def test_result_that_does_not_pickle(worker):
    task = worker.run("return_lock")
    assert worker.read_task(task)[-1].fields == (
        TASKER_DOMAIN, SERIALIZATION, "cannot pickle result: cannot pickle '_thread.lock' object")


def test_result_over_the_frame_limit(worker):
    too_big = worker.run("return_bytes", MAX_FRAME)
    big = worker.run("return_bytes", MAX_FRAME - 100)
    frames = worker.read_task(big)
    error = single(of_task(frames, too_big), ERROR)
    domain, code, message = error.fields
    assert (domain, code) == (TASKER_DOMAIN, SERIALIZATION)
    size = len(pickle.dumps(b"x" * MAX_FRAME, pickle.HIGHEST_PROTOCOL)) + 24
    assert message == (f"cannot serialise result: {size} bytes exceed the frame limit "
                       f"of {MAX_FRAME} bytes")
    assert single(of_task(frames, big), RESULT).value == b"x" * (MAX_FRAME - 100)


def test_runs_on_the_main_thread(worker):
    task = worker.run("main_thread")
    assert worker.read_task(task)[-1].value is True


# --- progress, message, log, events ---------------------------------------------

def test_progress_is_coalesced(worker):
    steps = 20000
    start = time.monotonic()
    task = worker.run("report", steps)
    frames = worker.read_task(task)
    elapsed = time.monotonic() - start
    assert frames[-1].value == steps

    progress = [f.fields[0] for f in of_task(frames, task, PROGRESS)]
    messages = [f.fields[0] for f in of_task(frames, task, MESSAGE)]
    # At most one per interval while the task runs, and one at its end.
    bound = elapsed * 1000 / INTERVAL_MS + 2
    assert 1 <= len(progress) <= bound
    assert len(messages) <= bound
    assert progress == sorted(progress)
    assert all(0 < p <= 1 for p in progress)
    # The last values are never lost, and come before the result.
    assert progress[-1] == 1.0
    assert messages[-1] == f"step {steps}"
    assert frames[-2].type in (PROGRESS, MESSAGE)


def test_progress_is_sent_while_running(worker):
    task = worker.run("wait_for_cancel", DEADLINE_S)
    # The function flushes its message; that is sent before it ends.
    frames = worker.read_until(lambda f: f.type == MESSAGE)
    assert frames[-1].id == task and frames[-1].fields == ("waiting",)
    worker.cancel(task)
    worker.read_task(task)


def test_sub_contexts_compose(worker):
    task = worker.run("sub_progress")
    frames = worker.read_task(task)
    assert [f.type for f in frames] == [STARTED, PROGRESS, RESULT]
    assert frames[1].fields[0] == pytest.approx(0.66)


def test_bad_progress_is_ignored_with_a_warning(worker):
    task = worker.run("bad_progress")
    frames = worker.read_task(task)
    assert frames[-1].type == RESULT
    progress = [f.fields[0] for f in of_task(frames, task, PROGRESS)]
    assert 1.0 in progress          # 2.0, clamped, flushed
    assert progress[-1] == 0.0      # -1.0, clamped: the last value
    warnings = "\n".join(log_lines(frames, task))
    assert "ignoring NaN progress" in warnings
    assert "ignoring total 0" in warnings
    assert "ignoring total -3" in warnings


def test_message_log_and_events(worker):
    task = worker.run("talk")
    frames = of_task(worker.read_task(task), task)
    types = [f.type for f in frames]
    assert types[0] == STARTED and types[-1] == RESULT
    assert frames[-1].value == "talked"

    assert [f.fields[0] for f in frames if f.type == LOG] == ["a log line"]
    events = [f for f in frames if f.type == EVENT]
    assert [e.fields[0] for e in events] == ["plain", "data"]
    assert events[0].fields[1] is None
    assert events[1].event_data == {"a": [1, 2, 3]}

    # An event goes with the message set before it; the last message (None)
    # is sent at the end.
    messages = [(i, f.fields[0]) for i, f in enumerate(frames) if f.type == MESSAGE]
    assert messages[0][1] == "hello" and messages[0][0] < types.index(EVENT)
    assert messages[-1][1] is None and messages[-1][0] > types.index(EVENT)


def test_output_lands_before_the_result_of_its_task(worker):
    count = 20
    tasks = []
    payloads = []
    for i in range(count):
        payloads.append(encode(RUN, run_body(worker.next_id, make_payload("emit", 3, f"t{i}"),
                                             "worker_funcs:emit")))
        tasks.append(worker.next_id)
        worker.next_id += 1
    # Pipelined: every RUN in one write.
    worker.send(*payloads)
    frames = worker.read_task(tasks[-1])

    for i, task in enumerate(tasks):
        mine = of_task(frames, task)
        assert mine[0].type == STARTED and mine[-1].type == RESULT
        assert mine[-1].value == f"t{i}"
        lines = [f.fields[0] for f in mine if f.type == LOG]
        assert [line for line in lines if " out " in line] == [f"t{i} out {n}" for n in range(3)]
        assert [line for line in lines if " out " not in line] == [f"t{i} err", f"t{i} partial"]
        # Nothing of a task after its end, and the next starts after it.
        end = frames.index(mine[-1])
        assert not [f for f in frames[end + 1:] if f.id == task]
        if i + 1 < count:
            assert frames.index(of_task(frames, tasks[i + 1], STARTED)[0]) > end


# --- cancellation ---------------------------------------------------------------

def test_cancel_running_task(worker):
    task = worker.run("wait_for_cancel", DEADLINE_S)
    worker.read_until(lambda f: f.type == STARTED)
    worker.cancel(task)
    frames = worker.read_task(task)
    assert frames[-1].value == ("cancelled", True, True)
    assert frames[-1].flags == 0


def test_cancel_queued_task(worker):
    first = worker.next_id
    second, third = first + 1, first + 2
    worker.next_id += 3
    # RUN 2 is queued behind 1, which runs until it is cancelled: CANCEL 2
    # finds it in the inbox.
    worker.send(encode(RUN, run_body(first, make_payload("wait_for_cancel", DEADLINE_S))),
                encode(RUN, run_body(second, make_payload("log_and_return", "ran"))),
                encode(RUN, run_body(third, make_payload("add", 1, 2))),
                encode(CANCEL, GLib.Variant("(t)", (second,))),
                encode(CANCEL, GLib.Variant("(t)", (12345,))))   # no such task: ignored
    worker.read_until(lambda f: f.type == STARTED and f.id == first)
    worker.cancel(first)
    frames = worker.read_task(third)

    assert of_task(frames, first, RESULT)[0].value[0] == "cancelled"
    assert [(f.type, f.fields, f.flags) for f in of_task(frames, second)] == [
        (ERROR, (IO_DOMAIN, IO_ERROR_CANCELLED, "Task was cancelled"), 0)]
    assert single(of_task(frames, third), RESULT).value == 3
    assert not [f for f in frames if f.id == 12345]


# --- the parent's main script ------------------------------------------------------

MAIN_SCRIPT = textwrap.dedent('''\
    import os
    import pickle
    import sys

    ran_guard = False


    class Point:
        def __init__(self, x, y):
            self.x = x
            self.y = y


    class Oops(Exception):
        pass


    def scale(context, point, factor=1):
        main = sys.modules["__main__"]
        return (point.x * factor, point.y * factor, __name__, ran_guard,
                main is sys.modules["__mp_main__"], main.Point is Point)


    def moved(context, point, factor=1):
        context.send_event("origin", Point(0, 0))
        return Point(point.x * factor, point.y * factor)


    def oops(context, point, factor=1):
        raise Oops(point.x)


    def describe(obj):
        if isinstance(obj, tuple):      # a tasker.exception event
            obj = obj[0]
        if isinstance(obj, dict):       # worker_funcs.describe()
            return f"{describe(obj['args'][0])} {obj['kwargs']}"
        if isinstance(obj, Point):
            return f"Point {obj.x} {obj.y}"
        return f"{type(obj).__qualname__} {obj}"


    if __name__ == "__main__":
        ran_guard = True
        if sys.argv[1] == "load":
            print(describe(pickle.loads(sys.stdin.buffer.read())))
            sys.exit(0)
        if sys.argv[1] == "describe":
            module, qualname = "worker_funcs", "describe"
        else:
            module, qualname = __name__, sys.argv[1]
        payload = (sys.path, os.path.abspath(__file__), module, qualname,
                   (Point(2, 3),), {"factor": 10})
        sys.stdout.buffer.write(pickle.dumps(payload, pickle.HIGHEST_PROTOCOL))
''')


def main_script(tmp_path, which, data=None, name="main_script.py"):
    """Runs the main script of a program: with `which` a function, it makes a
    payload as the override does, for a function of that script (or, for
    "describe", of worker_funcs) and an argument of a class of its own; with
    "load", it unpickles `data` and describes it."""
    script = tmp_path / name
    script.write_text(MAIN_SCRIPT)
    env = dict(os.environ, PYTHONPATH=HERE)
    done = subprocess.run([PYTHON, str(script), which], input=data, capture_output=True,
                          env=env, check=True, timeout=DEADLINE_S)
    return done.stdout


@pytest.mark.parametrize("name", ["main_script.py", "main-script"])
def test_function_of_the_main_script(worker, tmp_path, name):
    task = worker.run_payload(main_script(tmp_path, "scale", name=name), "__main__:scale")
    # Found as __mp_main__, `if __name__ == "__main__":` did not run, and
    # __main__ names it while the task runs, so the argument unpickled.
    assert worker.read_task(task)[-1].value == (20, 30, "__mp_main__", False, True, True)

    # Afterwards __main__ is the worker's own again.
    task = worker.run("main_file")
    assert worker.read_task(task)[-1].value.endswith(os.path.join("tasker", "worker.py"))


def test_objects_of_the_main_script_go_back_as_main(worker, tmp_path):
    moved = worker.run_payload(main_script(tmp_path, "moved"), "__main__:moved")
    oops = worker.run_payload(main_script(tmp_path, "oops"), "__main__:oops")
    frames = worker.read_task(oops)
    result = single(of_task(frames, moved), RESULT).fields[1]
    event = single(of_task(frames, moved), EVENT).fields[1].get_data_as_bytes().get_data()
    exception = single(of_task(frames, oops), EVENT).fields[1].get_data_as_bytes().get_data()
    assert single(of_task(frames, oops), ERROR).fields == (TASKER_DOMAIN, FAILED, "Oops: 2")
    # The parent has these classes as __main__'s, not __mp_main__'s (the
    # traceback text may say __mp_main__).
    for data in (result, event):
        assert b"__mp_main__" not in data
    assert main_script(tmp_path, "load", result) == b"Point 20 30\n"
    assert main_script(tmp_path, "load", event) == b"Point 0 0\n"
    assert main_script(tmp_path, "load", exception) == b"Oops 2\n"


def test_argument_from_the_main_script(worker, tmp_path):
    # The function is elsewhere; only the argument's class is in __main__,
    # which is loaded for it.
    task = worker.run_payload(main_script(tmp_path, "describe"), "worker_funcs:describe")
    data = worker.read_task(task)[-1].fields[1]
    assert b"__mp_main__" not in data
    assert main_script(tmp_path, "load", data) == b"Point 2 3 {'factor': 10}\n"


# --- the process ------------------------------------------------------------------

def test_exit_status(worker):
    first = worker.run("add", 1, 2)
    second = worker.run("exit_with", 3)
    frames = worker.read_to_eof()
    # The task before it ended and was reported; the one in flight started.
    assert single(of_task(frames, first), RESULT).value == 3
    assert of_task(frames, second)[0].type == STARTED
    assert not of_task(frames, second, RESULT, ERROR)
    assert worker.wait() == 3


def test_sys_exit_sends_what_the_task_said(worker):
    task = worker.run("sys_exit", 4)
    frames = worker.read_to_eof()
    # Printed output and log() are separate channels: no order between them.
    assert sorted(log_lines(frames, task)) == ["bye", "exiting"]
    assert not of_task(frames, task, RESULT, ERROR)
    assert worker.wait() == 4


def test_segfault(worker):
    first = worker.run("add", 2, 2)
    second = worker.run("crash")
    frames = worker.read_to_eof()
    assert single(of_task(frames, first), RESULT).value == 4
    assert of_task(frames, second)[0].type == STARTED
    assert worker.wait() == -signal.SIGSEGV


def test_end_of_stream_while_idle(worker):
    task = worker.run("add", 1, 1)
    worker.read_task(task)
    worker.sock.shutdown(socket.SHUT_WR)
    assert worker.wait() == 0


def test_end_of_stream_while_running(worker):
    task = worker.run("sleep", 60)
    worker.read_until(lambda f: f.type == STARTED and f.id == task)
    start = time.monotonic()
    worker.sock.shutdown(socket.SHUT_WR)
    assert worker.wait() == 0
    assert time.monotonic() - start < 5


def test_exit_message(worker):
    task = worker.run("sleep", 60)
    worker.read_until(lambda f: f.type == STARTED and f.id == task)
    worker.send(encode(EXIT, GLib.Variant("()", ())))
    assert worker.wait() == 0
    assert worker.read_to_eof() == []


def raw(payload):
    return struct.pack("<I", len(payload)) + payload


@pytest.mark.parametrize("frame, message", [
    (raw(struct.pack("=II", 99, 0) + b"\0()"), "unknown message type 99"),
    (struct.pack("<I", MAX_FRAME + 1), f"frame of {MAX_FRAME + 1} bytes exceeds the limit"),
    (raw(struct.pack("=II", CANCEL, 0) + b"\0(s)"), "CANCEL body has type (s) instead of (t)"),
    (raw(struct.pack("=II", CANCEL, 1) + struct.pack("=Q", 1) + b"\0(t)"),
     "CANCEL has flags 0x1, but none are defined"),
    (raw(struct.pack("=IIQ", CANCEL, 0, 0) + b"\0(t)"), "CANCEL has task id 0"),
    (raw(struct.pack("=IIQ", CANCEL, 0, 1) + b"\0\0(t)"), "CANCEL body is not in normal form"),
    (raw(b"\0" * 5), "garbled frame: not a (uuv) variant in normal form"),
], ids=["type", "length", "body-type", "flags", "id", "body", "garbled"])
def test_bad_frame(worker, frame, message):
    worker.send(frame)
    assert worker.wait() == 1
    assert message in worker.stderr()


def test_frames_split_anywhere(worker):
    data = b"".join(encode(RUN, run_body(i, make_payload("add", i, 1))) for i in (1, 2, 3))
    worker.next_id = 4
    for i in range(len(data)):
        worker.sock.sendall(data[i:i + 1])
    frames = worker.read_task(3)
    assert [f.value for f in frames if f.type == RESULT] == [2, 3, 4]


def load_worker_module():
    """tasker/worker.py as a module, for its decoder (its main() does not run):
    the one at WORKER, found through PYTHONPATH as when running uninstalled."""
    import importlib
    module = importlib.import_module("tasker.worker")
    assert os.path.samefile(module.__file__, WORKER)
    return module


def decode_stream(module, data, chunk):
    """(the (type, body) of every frame, the ProtocolError's text or None)."""
    decoder = module.Decoder()
    messages = []
    try:
        for start in range(0, len(data), chunk):
            messages += [(t, b.print_(True)) for t, b in decoder.feed(data[start:start + chunk])]
    except module.ProtocolError as error:
        return messages, str(error)
    return messages, None


CORPUS = os.path.join(SOURCE_ROOT, "tests", "protocol", "corpus")


CORPUS_OUTCOMES = os.path.join(SOURCE_ROOT, "tests", "protocol", "corpus-outcomes.txt")


def corpus_outcomes():
    """corpus-outcomes.txt: for each corpus file, what the C decoder makes of
    it (tests/protocol/test-worker-protocol.c, /Tasker/WorkerProtocol/corpus,
    checks the C decoder against the same file)."""
    outcomes = {}
    with open(CORPUS_OUTCOMES, encoding="utf-8") as f:
        for line in f:
            if line.startswith("  "):
                outcomes[name].append(line)
            else:
                name = line.rstrip("\n")
                outcomes[name] = []
    return outcomes


@pytest.mark.parametrize("name", sorted(os.listdir(CORPUS)))
def test_decoder_over_the_fuzz_corpus(name):
    """The fuzzer's seed corpus (fuzz/, tests/protocol/corpus): each file
    decodes or fails with the decoder's own ProtocolError (any other exception
    fails the test), the same whether fed whole or a byte at a time, and to
    the same messages and error as the C decoder."""
    module = load_worker_module()
    with open(os.path.join(CORPUS, name), "rb") as f:
        data = f.read()
    whole = decode_stream(module, data, max(len(data), 1))
    assert decode_stream(module, data, 1) == whole
    assert decode_stream(module, data, 7) == whole

    messages, error = whole
    outcome = [f"  {module.MESSAGE_NAMES[t]} {body}\n" for t, body in messages]
    if error is not None:
        outcome.append(f"  error: {error}\n")
    assert outcome == corpus_outcomes()[name]


# Arguments of 0 to 1 MiB put the RUN body's framing offsets at 1, 2 and 4
# bytes; the sizes around 255 and 65535 are where the size changes.
@pytest.mark.parametrize("size", [0, 1, 7, 200, 230, 240, 250, 260, 65480, 65500, 65530, 70000,
                                  1 << 20])
@pytest.mark.parametrize("entry_point", ["m:f", "worker_funcs:add", "é:x" * 3])
def test_run_read_without_glib(size, entry_point):
    """A RUN of `ay` arguments is read without GLib to the same values as
    through GLib, whatever the size of its framing offsets."""
    module = load_worker_module()
    args = bytes((i * 7) & 0xFF for i in range(size))
    payload = encode(RUN, run_body(9, args, entry_point, 0xDEADBEEF12345678))[4:]
    run = module.decode_run_fast(payload)
    assert run is not None
    assert (run.task_id, run.entry_point, run.args, run.trace_id) == \
        (9, entry_point, args, 0xDEADBEEF12345678)
    _, body = module.decode_payload(payload)
    assert body.get_child_value(2).get_variant().get_data_as_bytes().get_data() == args
    # The decoder gives either, as asked.
    assert isinstance(next(module.Decoder().feed(encode(RUN, run_body(9, args, entry_point)),
                                                 fast=True))[1], module.RunBody)
    assert isinstance(next(module.Decoder().feed(encode(RUN, run_body(9, args, entry_point))))[1],
                      GLib.Variant)


def not_normal_runs():
    """RUN frames that GLib refuses or the RUN checks reject, each with the
    reason the worker gives."""
    good = bytearray(encode(RUN, run_body(5, b"abc", "m:f"))[4:])
    # Body: id (8), "m:f\0" (4), padding (4), "abc\0ay" (6), padding (2), trace (8), offsets.
    padding = bytearray(good)
    padding[8 + 13] = 1
    offsets = bytearray(good)
    offsets[-len(b"\0(tsvt)") - 1] += 1
    # One byte more, the end of `v` moved so that the trace id would run past
    # the body's end.
    past_end = good[:8 + 32] + b"\0" + bytes([25, 12]) + good[8 + 34:]
    return [
        (bytes(padding), "RUN body is not in normal form"),
        (bytes(offsets), "RUN body is not in normal form"),
        (bytes(past_end), "RUN body is not in normal form"),
        (encode(RUN, run_body(0, b"abc", "m:f"))[4:], "RUN has task id 0"),
        (encode(RUN, run_body(5, b"abc", "m.f"))[4:], "is not of the form module:symbol"),
    ]


@pytest.mark.parametrize("payload, message", not_normal_runs(),
                         ids=["padding", "offsets", "past-end", "id", "entry-point"])
def test_run_not_read_without_glib_unless_normal(worker, payload, message):
    """What the GLib path refuses never passes the fast one: it falls back,
    and the worker fails with the GLib path's reason."""
    module = load_worker_module()
    assert module.decode_run_fast(payload) is None
    with pytest.raises(module.ProtocolError, match=message):
        module.decode_payload(payload)
    worker.send(raw(payload))
    assert worker.wait() == 1
    assert message in worker.stderr()


@pytest.mark.parametrize("size", [3, 300, 70000])
def test_run_like_the_last_one_read(size):
    """A RUN equal to the last one read but for its ids (a backlog of one
    function) is read to its own ids, with the last one's entry point and
    arguments; one that differs anywhere else is read in full, and what the
    checks reject is still rejected right after a good one."""
    module = load_worker_module()
    args = bytes((i * 5) & 0xFF for i in range(size))
    first = module.decode_run_fast(encode(RUN, run_body(9, args, "m:f", 77))[4:])
    again = module.decode_run_fast(encode(RUN, run_body(10, args, "m:f", 0xFFFFFFFFFFFFFFFF))[4:])
    assert (again.task_id, again.entry_point, again.args, again.trace_id) == \
        (10, "m:f", args, 0xFFFFFFFFFFFFFFFF)
    assert again.args is first.args
    other = module.decode_run_fast(encode(RUN, run_body(11, args, "m:g", 78))[4:])
    assert (other.task_id, other.entry_point, other.args, other.trace_id) == (11, "m:g", args, 78)
    changed = bytes([args[0] ^ 1]) + args[1:]
    other = module.decode_run_fast(encode(RUN, run_body(12, changed, "m:g", 79))[4:])
    assert (other.task_id, other.args, other.trace_id) == (12, changed, 79)
    for payload, _ in not_normal_runs():
        module.decode_run_fast(encode(RUN, run_body(5, b"abc", "m:f"))[4:])
        assert module.decode_run_fast(payload) is None


def test_run_read_without_glib_never_disagrees():
    """RUN frames with bytes changed at random: the fast path never raises,
    and what it accepts GLib accepts too, with the same values."""
    module = load_worker_module()
    rng = __import__("random").Random(18)
    seeds = [encode(RUN, run_body(i + 1, bytes(rng.randrange(256) for _ in range(size)),
                                  entry, rng.getrandbits(64)))[4:]
             for i, (size, entry) in enumerate([(0, "m:f"), (3, "a.b:c"), (240, "x:y"),
                                                (300, "mod:fn"), (70000, "é:ü")])]
    accepted = 0
    for _ in range(3000):
        payload = bytearray(rng.choice(seeds))
        for _ in range(rng.randrange(1, 4)):
            # Mostly the body's head and tail, where the layout lives.
            at = rng.choice([rng.randrange(len(payload)), rng.randrange(8, 40),
                             len(payload) - rng.randrange(1, 24)])
            payload[at] = rng.randrange(256)
        payload = bytes(payload)
        run = module.decode_run_fast(payload)
        if run is None:
            continue
        accepted += 1
        msg_type, body = module.decode_payload(payload)
        assert msg_type == RUN
        assert (body.get_child_value(0).get_uint64(), body.get_child_value(1).get_string(),
                body.get_child_value(2).get_variant().get_data_as_bytes().get_data(),
                body.get_child_value(3).get_uint64()) == \
            (run.task_id, run.entry_point, run.args, run.trace_id)
    # Changes to the id, the trace id or the arguments' bytes keep a frame valid.
    assert accepted > 0


def test_cancel_and_exit_read_without_glib():
    """CANCEL and EXIT, the other frames a manager sends, are read without
    GLib to what GLib reads; a CANCEL that breaks a rule is left to the GLib
    path and its error."""
    module = load_worker_module()
    for task_id in (1, 7, 2 ** 64 - 1):
        payload = encode(CANCEL, GLib.Variant("(t)", (task_id,)))[4:]
        assert module.decode_fast(payload) == (CANCEL, task_id)
        assert module.decode_payload(payload)[1].get_child_value(0).get_uint64() == task_id
    payload = encode(EXIT, GLib.Variant("()", ()))[4:]
    assert module.decode_fast(payload) == (EXIT, None)
    assert module.decode_payload(payload)[0] == EXIT
    for payload, message in [(encode(CANCEL, GLib.Variant("(t)", (0,)))[4:], "CANCEL has task id 0"),
                             (encode(CANCEL, GLib.Variant("(t)", (3,)), flags=1)[4:],
                              "CANCEL has flags 0x1"),
                             (encode(EXIT, GLib.Variant("()", ()), flags=1)[4:],
                              "EXIT has flags 0x1")]:
        assert module.decode_fast(payload) is None
        with pytest.raises(module.ProtocolError, match=message):
            module.decode_payload(payload)


def test_worker_runs_without_importing_gi(worker):
    """A worker whose tasks only run and return never imports gi (most of
    its start-up): HELLO, RUN, STARTED and RESULT are all written and read
    by hand."""
    task = worker.run("gi_loaded")
    assert single(worker.read_task(task), RESULT).value is False


RACE_SCRIPT = textwrap.dedent("""
    import importlib.util, os, sys, threading
    sys.path.insert(0, os.path.dirname(sys.argv[1]))  # its _constants, as when run
    spec = importlib.util.spec_from_file_location("tasker_worker_race", sys.argv[1])
    worker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(worker)
    errors = []
    barrier = threading.Barrier(4)
    def touch():
        barrier.wait()
        try:
            worker.GLib.Variant("s", "x")
        except Exception as exception:
            errors.append(repr(exception))
    threads = [threading.Thread(target=touch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(errors)
""")


def test_lazy_gi_import_is_one_at_a_time():
    """The worker imports gi on first use; threads that reach it at once all
    get the module with its overrides (without the lock, about 1 start in
    10 got a bare GLib.Variant: "takes at most 0 arguments")."""
    for _ in range(30):
        out = subprocess.run([PYTHON, "-c", RACE_SCRIPT, WORKER], capture_output=True, text=True,
                             timeout=DEADLINE_S, check=True).stdout
        assert out.strip() == "[]"
