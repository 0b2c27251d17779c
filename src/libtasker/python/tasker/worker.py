# tasker/worker.py
#
# SPDX-License-Identifier: LGPL-2.1-or-later

"""The Python worker of Tasker: runs process tasks submitted with
`Tasker.Manager.run_process()` (docs/python.md, docs/worker-protocol.md).

A manager runs it as `python3 <dir>/tasker/worker.py --update-interval=MS`, with
the socket to the manager on fd 3 and the read ends of the worker's own
standard output and error on fds 4 and 5, exactly like the C `tasker-worker`
(src/libtasker/tasker-worker.c), whose behaviour this script mirrors.

Four threads share the socket:

- the main thread runs tasks one at a time, in the order their RUN frames
  came, so a task's function may install signal handlers;
- the reader thread decodes what the manager sends: RUNs join the inbox, a
  CANCEL cancels the running task or marks a queued one, EXIT or the end of
  the stream ends the process at once;
- the ticker thread sends the running task's progress and message at most
  once per update interval;
- the output thread reads the worker's own standard output and error and
  sends their lines as LOG frames of the running task. At the end of a task
  the main thread reads what is left, so a task's output always comes before
  its result.

Frames are batched: the end of one task and the STARTED of the next go out
in one write, just before the next task runs, so whatever a task reported
before a crash has reached the manager.

Only the standard library and GLib/Gio are imported: workers never load GTK.
"""

import argparse
import collections
import fcntl
import importlib
import importlib.machinery
import importlib.util
import io
import math
import operator
import os
import pickle
import re
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback
import types


class _Repository:
    """GLib or Gio from gi, imported on first use: a worker whose tasks only
    run and return (RUN read without GLib, results and the frames of a task's
    life written by hand) never imports gi, which is most of a worker's
    start-up (tens of milliseconds)."""

    def __init__(self, name):
        self._name = name
        self._module = None

    # One import at a time: a thread that reached gi.repository.GLib while
    # another was still importing it could get the module before its
    # overrides (GLib.Variant(...) then raised "takes at most 0 arguments").
    _import_lock = threading.Lock()

    def __getattr__(self, attribute):
        module = self._module
        if module is None:
            with _Repository._import_lock:
                module = self._module
                if module is None:
                    import gi
                    gi.require_version("GLib", "2.0")
                    gi.require_version("Gio", "2.0")
                    module = importlib.import_module("gi.repository." + self._name)
                    self._module = module
        return getattr(module, attribute)


GLib = _Repository("GLib")
Gio = _Repository("Gio")

# --- the protocol (docs/worker-protocol.md) -----------------------------------

# Its constants, the TaskerError codes and the bounds the C worker keeps come
# from the C headers, in a module the build generates (gen-worker-constants.c).
if __package__:
    from ._constants import *  # noqa: E402,F401,F403
else:
    # Run as a script, as a manager runs it: its directory is sys.path[0].
    from _constants import *  # noqa: E402,F401,F403

# On RESULT and ERROR, FLAG_BEFORE_CANCEL says the task's function returned
# before any cancel reached it, so its outcome stands (DESIGN.md §4,
# Completion wins); it is the only flag.

EXCEPTION_EVENT = "tasker.exception"

# The arguments the override sends when it cannot pickle a task's own,
# ("tasker.argument-error", message): the task fails with the message
# (gi/overrides/Tasker.py, run_process).
ARGUMENT_ERROR = "tasker.argument-error"

# The frame's length is little-endian; GVariant data is in the host's order.
_LENGTH = struct.Struct("<I")
_HEADER = struct.Struct("=II")      # message type, flags
_ID = struct.Struct("=Q")
_ID_FRACTION = struct.Struct("=Qd")


class ProtocolError(Exception):
    """A frame the manager sent is not what the protocol allows."""


def _frame(msg_type, body_data, body_type, flags=0):
    """A whole frame for a body given as its serialised data and type string.

    Only the last member of `(uuv)` has a variable size, so the payload is the
    type and flags, the body's data at offset 8, a NUL and the body's type
    string: byte for byte what GVariant makes of it."""
    payload_size = _HEADER.size + len(body_data) + 1 + len(body_type)
    if payload_size > MAX_FRAME:
        raise OverflowError(payload_size)
    return b"".join((_LENGTH.pack(payload_size), _HEADER.pack(msg_type, flags),
                     body_data, b"\0", body_type.encode("ascii")))


def encode_frame(msg_type, body, flags=0):
    """A whole frame for `body`, a GLib.Variant of the type `msg_type` wants.
    Raises OverflowError(payload size) beyond the frame limit."""
    return _frame(msg_type, body.get_data_as_bytes().get_data(), body.get_type_string(), flags)


# The hot messages skip GLib: their bodies are fixed-size data or end with
# their only variable-size member, so their layout is plain (a string is its
# UTF-8 bytes and a NUL; a variant its child's data, a NUL and its type).

_ID_FRAME_SIZE = _HEADER.size + _ID.size + len(b"\0(t)")
_ID_FRAME_PREFIX = {}   # message type -> its frame's length and header


def encode_id_frame(msg_type, task_id):
    prefix = _ID_FRAME_PREFIX.get(msg_type)
    if prefix is None:
        prefix = _ID_FRAME_PREFIX[msg_type] = (_LENGTH.pack(_ID_FRAME_SIZE)
                                               + _HEADER.pack(msg_type, 0))
    return b"".join((prefix, _ID.pack(task_id), b"\0(t)"))


def encode_progress_frame(task_id, fraction):
    return _frame(PROGRESS, _ID_FRACTION.pack(task_id, fraction), "(td)")


def encode_log_frame(task_id, text):
    return _frame(LOG, _ID.pack(task_id) + valid_utf8(text).encode("utf-8") + b"\0", "(ts)")


# --- log lines (DESIGN.md §4 Logs; the C worker's tasker-line-splitter.c) -------

# A log line keeps at most LOG_LINE_MAX bytes; a LOG frame's text stays within
# it, a longer line cut to LOG_TEXT_MAX with its marker inside the bound.
_LINE_STOP = re.compile(rb"[\r\n]")


def _utf8_cut(data, max_len):
    """The longest prefix of `data` (bytes) of at most `max_len` bytes that
    does not end inside a UTF-8 sequence."""
    if len(data) <= max_len:
        return len(data)
    cut = max_len
    for _ in range(3):
        if cut == 0 or (data[cut] & 0xC0) != 0x80:
            break
        cut -= 1
    return cut


def log_line_text(line, cut=0):
    """A LOG frame's text for `line` (bytes, no newline), of which `cut`
    more bytes were already dropped."""
    keep = _utf8_cut(line, LOG_LINE_MAX if cut == 0 else LOG_TEXT_MAX)
    if keep < len(line):
        keep = _utf8_cut(line, LOG_TEXT_MAX)
    cut += len(line) - keep
    text = bytes(line[:keep]).decode("utf-8", "replace")
    if cut:
        text += f" … [cut {cut} bytes]"
    return text


class _LineSplitter:
    """Cuts output into lines as a terminal shows them: a line ends at \\n or
    \\r\\n; a bare \\r rewinds it, so a bar redrawn in place leaves its last
    state; no text becomes an empty line. Holds at most LOG_LINE_MAX bytes."""

    def __init__(self):
        self.line = bytearray()
        self.cut = 0
        self.rewound = False

    def _start_over(self):
        self.line.clear()
        self.cut = 0
        self.rewound = False

    def feed(self, data, emit):
        """Calls emit(line, cut) for each line `data` ends."""
        pos = 0
        while pos < len(data):
            match = _LINE_STOP.search(data, pos)
            stop = match.start() if match is not None else len(data)
            if stop > pos:
                if self.rewound:
                    self._start_over()
                room = max(LOG_LINE_MAX - len(self.line), 0)
                run = stop - pos
                self.line += data[pos:pos + min(run, room)]
                self.cut += run - min(run, room)
            if match is None:
                break
            if data[stop] == 0x0A:
                emit(bytes(self.line), self.cut)
                self._start_over()
            else:
                self.rewound = True
            pos = stop + 1

    def finish(self, emit):
        """The end of the stream: a line without its end still counts."""
        if self.line or self.cut:
            emit(bytes(self.line), self.cut)
        self._start_over()


_RESULT_TAIL = b"\0ay\0(tv)"


def encode_result_frame(task_id, data, flags=0):
    """RESULT with an `ay` value holding `data` (bytes): what _frame() makes
    of a `(tv)` body, in one join."""
    payload_size = _HEADER.size + _ID.size + len(data) + len(_RESULT_TAIL)
    if payload_size > MAX_FRAME:
        raise OverflowError(payload_size)
    return b"".join((_LENGTH.pack(payload_size), _HEADER.pack(RESULT, flags), _ID.pack(task_id),
                     data, _RESULT_TAIL))


def valid_utf8(text):
    """`text` as a string GVariant accepts: lone surrogates become U+FFFD, and
    so do NULs, which a GVariant string cannot hold."""
    if text is None:
        return None
    text = str(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text.replace("\0", "\ufffd")


def _bytes_variant(data):
    return GLib.Variant.new_from_bytes(GLib.VariantType.new("ay"), GLib.Bytes.new(data), True)


def _check_body(msg_type, body):
    """The checks the C decoder makes on field values."""
    name = MESSAGE_NAMES[msg_type]
    if msg_type == HELLO:
        version, pid = body.unpack()
        if version < 1 or pid <= 0:
            raise ProtocolError(f"HELLO has protocol version {version} and pid {pid}")
        return
    if msg_type == EXIT:
        return
    if body.get_child_value(0).get_uint64() == 0:
        raise ProtocolError(f"{name} has task id 0")
    if msg_type == RUN:
        entry_point = body.get_child_value(1).get_string()
        module, colon, symbol = entry_point.rpartition(":")
        if not colon or not module or not symbol:
            raise ProtocolError(f"RUN entry point “{entry_point}” is not of the form "
                                "module:symbol")
    elif msg_type == PROGRESS:
        fraction = body.get_child_value(1).get_double()
        if not 0.0 <= fraction <= 1.0:
            raise ProtocolError(f"PROGRESS fraction {fraction:g} is outside [0, 1]")
    elif msg_type == EVENT and not body.get_child_value(1).get_string():
        raise ProtocolError("EVENT has an empty name")
    elif msg_type == ERROR and not body.get_child_value(1).get_string():
        raise ProtocolError("ERROR has an empty domain")


def decode_payload(payload):
    """Decodes one frame's payload (bytes) into (message type, body variant),
    with the checks of the C decoder, in its order; raises ProtocolError."""
    separator = payload.rfind(b"\0")
    body_type = payload[separator + 1:].decode("ascii", "replace") if separator >= 8 else ""
    if (separator < 8 or not GLib.VariantType.string_is_valid(body_type)
            or not GLib.VariantType.new(body_type).is_definite()):
        raise ProtocolError("garbled frame: not a (uuv) variant in normal form")

    msg_type, flags = _HEADER.unpack_from(payload)
    name = MESSAGE_NAMES.get(msg_type)
    if name is None:
        raise ProtocolError(f"unknown message type {msg_type}")
    allowed = FLAG_BEFORE_CANCEL if msg_type in (RESULT, ERROR) else 0
    if flags & ~allowed:
        if allowed:
            raise ProtocolError(f"{name} has flags {flags:#x}, but only {allowed:#x} is defined")
        raise ProtocolError(f"{name} has flags {flags:#x}, but none are defined")
    expected = BODY_TYPES[msg_type]
    if body_type != expected:
        shown = body_type if len(body_type) <= 64 else body_type[:64] + "…"
        raise ProtocolError(f"{name} body has type {shown} instead of {expected}")

    frame = GLib.Variant.new_from_bytes(GLib.VariantType.new("(uuv)"), GLib.Bytes.new(payload),
                                        False)
    if not frame.is_normal_form():
        raise ProtocolError(f"garbled frame: {name} body is not in normal form")
    body = frame.get_child_value(2).get_variant()
    _check_body(msg_type, body)
    return msg_type, body


# RUN, the frame a worker decodes per task, skips GLib when its arguments are
# an `ay` (the override's pickled call): its body `(tsvt)` is laid out by
# hand, as the hot frames the worker sends are (see _frame()), and accepted
# only if encoding what was read gives back the same bytes, which holds for a
# body in normal form only. Anything else takes decode_payload(), with its
# checks and its errors.
_RUN_TAIL = b"\0(tsvt)"
_RUN_HEADER = _HEADER.pack(RUN, 0)
_ARGS_TAIL = b"\0ay"


class RunBody:
    """A RUN body read without GLib: its task id, entry point, the bytes of
    its `ay` arguments and its trace id."""

    __slots__ = ("task_id", "entry_point", "args", "trace_id")

    def __init__(self, task_id, entry_point, args, trace_id):
        self.task_id = task_id
        self.entry_point = entry_point
        self.args = args
        self.trace_id = trace_id


def _align8(n):
    return (n + 7) & ~7


def _offset_size(size):
    """The size of a container's framing offsets, from its total size."""
    return 1 if size <= 0xFF else 2 if size <= 0xFFFF else 4 if size <= 0xFFFFFFFF else 8


# The last RUN payload decode_run_fast() read in full: (its length, the bytes
# from its entry point to its trace id, the bytes after the trace id, the
# trace id's offset, its entry point, its arguments).
_last_run = None


def decode_run_fast(payload):
    """A RunBody for a RUN payload whose body is in normal form, holds an
    `ay` and passes the RUN checks; None for anything else.

    A payload equal to the last one read in full but for its task and trace
    ids (the same function and arguments again, as a backlog of one
    function's tasks sends them) passed the same checks: only its ids are
    read, and its entry point and argument bytes are the last one's.

    The normal form of `(tsvt)` (task_id, entry, <args as ay>, trace_id):
    fixed and variable members in order, each at its alignment with zero
    padding, then the framing offsets of the two variable-size members that
    are not last (the end of `s`, then of `v`), stored in reverse order, each
    of the smallest size that addresses the whole. Each byte is checked
    where it lies (the NUL after the entry point, the `ay` tail, the zero
    padding, the offsets' size and place), without building the body
    again."""
    n = len(payload)
    last = _last_run
    if (last is not None and n == last[0] and payload.startswith(_RUN_HEADER)
            and payload.startswith(last[1], 16) and payload.endswith(last[2])):
        task_id, = _ID.unpack_from(payload, 8)
        if task_id == 0:
            return None
        trace_id, = _ID.unpack_from(payload, last[3])
        return RunBody(task_id, last[4], last[5], trace_id)
    run, trace_at = _decode_run(payload)
    if run is not None:
        _remember_run(payload, run, trace_at)
    return run


def _remember_run(payload, run, trace_at):
    global _last_run
    _last_run = (len(payload), payload[16:trace_at], payload[trace_at + 8:], trace_at,
                 run.entry_point, run.args)


def _decode_run(payload):
    """decode_run_fast() of a payload read in full: (RunBody, where its
    trace id lies) or (None, 0)."""
    n = len(payload)
    if n < 8 + 24 + len(_RUN_TAIL) or not payload.endswith(_RUN_TAIL):
        return None, 0
    msg_type, flags = _HEADER.unpack_from(payload)
    if msg_type != RUN or flags != 0:
        return None, 0
    # The body is payload[8:end]; positions below are in the body.
    end = n - len(_RUN_TAIL)
    length = end - 8
    size = _offset_size(length)
    if length < 16 + 2 * size:
        return None, 0
    end_v = int.from_bytes(payload[end - 2 * size:end - size], "little")
    end_s = int.from_bytes(payload[end - size:end], "little")
    if not 9 <= end_s <= end_v <= length - 2 * size - 8:
        return None, 0
    start_t = _align8(end_v)
    start_v = _align8(end_s)
    args_end = end_v - len(_ARGS_TAIL)
    if (start_t + 8 + 2 * size != length or args_end < start_v
            or payload[8 + end_s - 1] != 0
            or payload.count(0, 8 + end_s, 8 + start_v) != start_v - end_s
            or not payload.startswith(_ARGS_TAIL, 8 + args_end)
            or payload.count(0, 8 + end_v, 8 + start_t) != start_t - end_v):
        return None, 0
    try:
        entry_point = payload[16:8 + end_s - 1].decode("utf-8")
    except UnicodeDecodeError:
        return None, 0
    module, colon, symbol = entry_point.rpartition(":")
    task_id, = _ID.unpack_from(payload, 8)
    if task_id == 0 or "\0" in entry_point or not colon or not module or not symbol:
        return None, 0
    trace_id, = _ID.unpack_from(payload, 8 + start_t)
    return RunBody(task_id, entry_point, payload[8 + start_v:8 + args_end], trace_id), 8 + start_t


_CANCEL_SIZE = _HEADER.size + _ID.size + len(b"\0(t)")
_EXIT_PAYLOAD = _HEADER.pack(EXIT, 0) + b"\0\0()"      # `()` is one zero byte


def decode_fast(payload):
    """(type, body) for the frames a manager sends most, read without GLib:
    RUN (a RunBody, see decode_run_fast()), CANCEL (its task id) and EXIT
    (None); None for anything else, or anything these checks do not pass
    (decode_payload() then says why)."""
    if payload == _EXIT_PAYLOAD:
        return EXIT, None
    if len(payload) == _CANCEL_SIZE and payload.endswith(b"\0(t)"):
        msg_type, flags, task_id = struct.unpack_from("=IIQ", payload)
        if msg_type == CANCEL and flags == 0 and task_id != 0:
            return CANCEL, task_id
        return None
    run = decode_run_fast(payload)
    return (RUN, run) if run is not None else None


class Decoder:
    """Splits the stream from the manager into frames, fed in any chunks."""

    def __init__(self):
        self._buffer = bytearray()

    def feed(self, data, fast=False):
        """Adds `data` and yields the (message type, body) of each whole frame
        it completes. Raises ProtocolError on a bad frame. With `fast`, the
        frames decode_fast() reads have its bodies instead of a
        GLib.Variant."""
        self._buffer += data
        start = 0
        try:
            while len(self._buffer) - start >= _LENGTH.size:
                (length,) = _LENGTH.unpack_from(self._buffer, start)
                # Rejected on the header, before buffering a huge payload.
                if length > MAX_FRAME:
                    raise ProtocolError(f"frame of {length} bytes exceeds the limit of "
                                        f"{MAX_FRAME} bytes")
                end = start + _LENGTH.size + length
                if len(self._buffer) < end:
                    break
                payload = bytes(self._buffer[start + _LENGTH.size:end])
                start = end
                decoded = decode_fast(payload) if fast else None
                yield decoded if decoded is not None else decode_payload(payload)
        finally:
            # One compaction per chunk, not one per frame.
            del self._buffer[:start]


# --- tasks and their contexts -------------------------------------------------

def _clamp_fraction(value):
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


def _warn(text):
    """A warning on standard error, which lands in the running task's log."""
    try:
        sys.stderr.write(f"tasker-worker: warning: {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


class _Task:
    """The worker's stand-in for the manager's task: what RUN brought, and
    what the task's contexts report until it is sent."""

    # One per task, made on the reader thread: slots are quicker to fill.
    __slots__ = ("worker", "id", "entry_point", "args", "trace_id", "lock", "cancelled",
                 "cancellable", "progress", "sent_progress", "message", "message_changed",
                 "dirty")

    def __init__(self, worker, task_id, entry_point, args, trace_id):
        self.worker = worker
        self.id = task_id
        self.entry_point = entry_point
        self.args = args                # GLib.Variant, or the bytes of an `ay` read without GLib
        self.trace_id = trace_id

        self.lock = threading.Lock()
        self.cancelled = False          # protected by the worker's lock and self.lock
        self.cancellable = None         # made on first use, protected by self.lock
        self.progress = 0.0             # the fraction last stored
        self.sent_progress = 0.0        # the fraction last sent: the manager starts at 0
        self.message = None
        self.message_changed = False
        self.dirty = False              # something to send, and the ticker was woken

    def store_progress(self, fraction):
        with self.lock:
            self.progress = fraction
            was_dirty, self.dirty = self.dirty, True
        if not was_dirty:
            self.worker.wake_ticker()

    def store_message(self, message):
        with self.lock:
            self.message = message
            self.message_changed = True
            was_dirty, self.dirty = self.dirty, True
        if not was_dirty:
            self.worker.wake_ticker()

    def take_state(self):
        """Returns (fraction or None, message_changed, message) of what
        changed since the last call, and marks it sent."""
        with self.lock:
            if not self.dirty:
                return None, False, None
            self.dirty = False
            fraction = self.progress if self.progress != self.sent_progress else None
            self.sent_progress = self.progress
            changed, self.message_changed = self.message_changed, False
            return fraction, changed, self.message

    def request_cancel(self):
        """Any thread: returns the cancellable to cancel once no lock is held
        (its handlers run in that call), or None."""
        with self.lock:
            if self.cancelled:
                return None
            self.cancelled = True
            return self.cancellable

    def get_cancellable(self):
        with self.lock:
            if self.cancellable is None:
                self.cancellable = Gio.Cancellable.new()
                cancel_now = self.cancelled
            else:
                cancel_now = False
            cancellable = self.cancellable
        if cancel_now:
            cancellable.cancel()
        return cancellable


class Context:
    """What a task's function gets as its first argument: reports progress,
    message, events and log lines, and tells of cancellation. Every method
    is thread-safe. The methods and their semantics are those of
    Tasker.Context (DESIGN.md §4 and §5)."""

    __slots__ = ("_task", "_base", "_range", "_total")

    def __init__(self, task, base=0.0, range_=1.0):
        self._task = task
        self._base = base               # where this context's 0 lies in the task's progress
        self._range = range_            # how much of the task's progress it covers
        self._total = 1.0               # the units of set_progress

    def set_progress(self, progress):
        """Reports progress: a fraction, or units of the total set with
        set_total(). Clamped to [0, 1]; NaN is ignored with a warning."""
        progress = float(progress)
        if math.isnan(progress):
            _warn("set_progress: ignoring NaN progress")
            return
        fraction = progress / self._total
        if math.isnan(fraction):        # inf / inf
            _warn(f"set_progress: ignoring progress {progress:g} of a total of {self._total:g}")
            return
        self._task.store_progress(self._base + self._range * _clamp_fraction(fraction))

    def set_total(self, total):
        """Makes later set_progress(i) mean i / total. A total that is not
        more than 0, or NaN, is ignored with a warning."""
        total = float(total)
        if math.isnan(total) or total <= 0.0:
            _warn(f"set_total: ignoring total {total:g}, it must be more than 0")
            return
        self._total = total

    def set_message(self, message):
        """Sets the task's message (None clears it)."""
        self._task.store_message(valid_utf8(message))

    def sub_context(self, base_progress, progress_range, total=1.0):
        """A context whose progress from 0 to `total` moves this one's from
        `base_progress` to `base_progress + progress_range`."""
        base_progress = float(base_progress)
        progress_range = float(progress_range)
        if math.isnan(base_progress):
            base_progress = 0.0
        if math.isnan(progress_range):
            progress_range = 0.0
        base_progress = _clamp_fraction(base_progress)
        progress_range = min(max(progress_range, 0.0), 1.0 - base_progress)
        sub = Context(self._task, self._base + self._range * base_progress,
                      self._range * progress_range)
        if total != 1.0:
            sub.set_total(total)
        return sub

    def is_cancelled(self):
        """Whether the task was cancelled. Cheap enough for a tight loop."""
        return self._task.cancelled

    def get_cancellable(self):
        """A Gio.Cancellable that fires when the task is cancelled."""
        return self._task.get_cancellable()

    def send_event(self, name, data=None):
        """Sends an event to the task's when_event: `data` must pickle (None
        is sent as no data). Raises if the name is empty or data does not
        pickle."""
        if not isinstance(name, str) or not name:
            raise ValueError("an event needs a non-empty name")
        payload = None if data is None else self._task.worker.dumps(data)
        self._task.worker.send_event(self._task, name, payload)

    def log(self, text):
        """Appends a line (or several) to the task's log."""
        self._task.worker.send_log(self._task.id, str(text))

    def flush(self):
        """Sends the task's progress and message now."""
        self._task.worker.flush_state(self._task)


# --- unpickling the RUN payload -----------------------------------------------

class _Placeholder:
    """Stands for every object a payload refers to by name, in a first look
    that only wants the payload's plain head (sys.path, names): the
    arguments' classes can only be found once that sys.path is in effect."""

    def __new__(cls, *args, **kwargs):
        return object.__new__(_Placeholder)

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return _Placeholder()

    def __setstate__(self, state):
        pass

    def __setitem__(self, key, value):
        pass

    def __getattr__(self, name):
        # append, extend, add: whatever the unpickler calls to fill it.
        if name.startswith("__"):
            raise AttributeError(name)
        return _Placeholder()


class _HeadUnpickler(pickle.Unpickler):
    """Reads the payload without importing anything: every class is a
    _Placeholder. When none was needed (arguments of plain types only), what
    it read is the real thing."""

    placeholders = False

    def find_class(self, module, name):
        self.placeholders = True
        return _Placeholder


class _ArgsUnpickler(pickle.Unpickler):
    """Unpickles the arguments with the sys.path of the parent in effect;
    objects of the parent's `__main__` come from its main script, run as
    `__mp_main__` (loaded only if needed)."""

    def __init__(self, file, worker, main_path):
        super().__init__(file)
        self._worker = worker
        self._main_path = main_path

    def find_class(self, module, name):
        if module == "__main__" and self._main_path:
            self._worker.enter_main(self._main_path)
        return super().find_class(module, name)


class _MainLoader(importlib.machinery.SourceFileLoader):
    """Loads the parent's main script whatever its file is called, and, as
    Python does for a main script, writes no bytecode for it."""

    def set_data(self, path, data, *, _mode=0o666):
        pass


class _MainModule:
    """Pickles as the `__main__` module of the process that unpickles it."""

    def __reduce__(self):
        return importlib.import_module, ("__main__",)


_MAIN_MODULE = _MainModule()


class _MainPickler(pickle.Pickler):
    """Pickles the classes and functions of the parent's main script, which
    the worker runs as `__mp_main__`, as attributes of `__main__`: the name
    the parent knows them by."""

    def __init__(self, file, main_module):
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        self._main_module = main_module

    def reducer_override(self, obj):
        if (isinstance(obj, (type, types.FunctionType))
                and getattr(obj, "__module__", None) == "__mp_main__"):
            qualname = getattr(obj, "__qualname__", "")
            try:
                found = operator.attrgetter(qualname)(self._main_module)
            except (AttributeError, TypeError):
                found = None
            # Anything else (a local function, say) fails as pickle says.
            if found is obj:
                return operator.attrgetter(qualname), (_MAIN_MODULE,)
        return NotImplemented


class TaskError(Exception):
    """Fails the task with a GError of this domain, code and message."""

    def __init__(self, domain, code, message):
        super().__init__(message)
        self.domain = domain
        self.code = code
        self.message = message


def _describe(exception):
    """The message a Python exception gives its task: `ValueError: text`."""
    text = str(exception)
    name = type(exception).__name__
    return f"{name}: {text}" if text else name


def _serialisation_error(text):
    return TaskError(TASKER_ERROR_DOMAIN, TASKER_ERROR_SERIALIZATION, text)


def _invalid_argument(text):
    return TaskError(TASKER_ERROR_DOMAIN, TASKER_ERROR_INVALID_ARGUMENT, text)


# --- output capture -------------------------------------------------------------

class _Capture:
    """One of the worker's own output streams, read back through a pipe."""

    def __init__(self, fd):
        self.fd = fd
        self.lines = _LineSplitter()    # the line being read
        self.open = True


# --- the worker -------------------------------------------------------------------

class _Outcome:
    """How a task ended: the frames that go after its state, then its result
    or error."""

    def __init__(self, frames=(), error=None, exit_status=None, result=None):
        self.frames = list(frames)
        self.error = error              # TaskError or None
        self.exit_status = exit_status  # the task called sys.exit()
        self.result = result            # the pickled result (bytes) or None


class Worker:
    def __init__(self, sock, update_interval_ms, capture_fds):
        self._sock = sock
        self._interval = max(0, update_interval_ms) / 1000.0

        self._lock = threading.Lock()
        self._jobs_cond = threading.Condition(self._lock)   # the main thread waits for a task
        self._tick_cond = threading.Condition(self._lock)   # the ticker waits for something to send
        self._inbox = collections.deque()                   # of _Task, protected by _lock
        self._running = None                                # _Task, protected by _lock
        self._tick_pending = False                          # protected by _lock

        # Held while appending, and across a write so frames stay in order.
        self._out_lock = threading.Lock()
        self._out = bytearray()

        # Held while reading output and sending it.
        self.capture_lock = threading.Lock()
        self._captures = [_Capture(fd) for fd in capture_fds]
        self._capture_poller = select.poll()
        for fd in capture_fds:
            self._capture_poller.register(fd, select.POLLIN)

        self._own_main = sys.modules.get("__main__")
        self._main_module = None        # the parent's main script, run as __mp_main__
        self._main_entered = False
        self._last_head = None          # (payload, head) of the last task without arguments

    # Sending -------------------------------------------------------------

    def _append_locked(self, frame):
        self._out += frame

    def _flush_locked(self):
        if self._out:
            try:
                self._sock.sendall(self._out)
            except OSError:
                # The manager is gone: nothing we hold matters any more.
                os._exit(0)
            self._out.clear()

    def flush(self):
        with self._out_lock:
            self._flush_locked()

    def send_hello(self):
        """The first frame of a worker: the protocol version and our pid."""
        with self._out_lock:
            # `(ui)` has a fixed size: its data is its two members.
            self._append_locked(_frame(HELLO, struct.pack("=Ii", PROTOCOL_VERSION, os.getpid()),
                                       "(ui)"))
            self._flush_locked()

    def _append_state_locked(self, task):
        """Adds the task's progress and message if they changed since they
        were last sent."""
        fraction, message_changed, message = task.take_state()
        if fraction is not None:
            self._append_locked(encode_progress_frame(task.id, fraction))
        if message_changed:
            self._append_locked(encode_frame(MESSAGE, GLib.Variant("(tms)", (task.id, message))))

    def wake_ticker(self):
        with self._lock:
            if not self._tick_pending:
                self._tick_pending = True
                self._tick_cond.notify()

    def flush_state(self, task):
        with self._out_lock:
            self._append_state_locked(task)
            self._flush_locked()

    def _event_frame(self, task_id, name, payload):
        data = None if payload is None else _bytes_variant(payload)
        return encode_frame(EVENT, GLib.Variant("(tsmv)", (task_id, valid_utf8(name), data)))

    def send_event(self, task, name, payload):
        try:
            frame = self._event_frame(task.id, name, payload)
        except OverflowError as error:
            raise ValueError(f"event “{name}” is too big: {error.args[0]} bytes exceed "
                             f"the frame limit of {MAX_FRAME} bytes") from None
        with self._out_lock:
            # The manager shows the event with the progress set before it.
            self._append_state_locked(task)
            self._append_locked(frame)
        self.wake_ticker()

    def send_log(self, task_id, text):
        data = valid_utf8(text).encode("utf-8")
        if len(data) <= LOG_LINE_MAX:
            frames = [encode_log_frame(task_id, text)]
        else:
            # Line by line, each within the bound.
            lines = data.split(b"\n")
            if lines[-1] == b"":
                lines.pop()
            frames = [encode_log_frame(task_id, log_line_text(line)) for line in lines]
        with self._out_lock:
            for frame in frames:
                self._append_locked(frame)
        self.wake_ticker()

    # Output capture --------------------------------------------------------

    def _capture_read_locked(self, capture, task_id, at_end):
        """Reads what the pipe holds now and sends its lines for `task_id`
        (0: the output of no task, dropped; None: the task running once the
        pipe has been read). With `at_end`, a line without its end is sent
        too. Called with the capture lock held. Returns whether it sent
        any."""
        sent = False

        def send(line, cut):
            nonlocal sent
            if task_id != 0:
                self._append_locked(encode_log_frame(task_id, log_line_text(line, cut)))
                sent = True

        while capture.open:
            try:
                chunk = os.read(capture.fd, 65536)
            except BlockingIOError:
                break
            except InterruptedError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                # The task closed our stdout or stderr: nothing more comes.
                capture.open = False
                at_end = True
                break

            # Only now: the task that wrote what we read stays running until
            # its _capture_task_end(), which waits for the capture lock we
            # hold. Asked before reading, the id could be the last task's,
            # or 0, while the next task started and wrote.
            if task_id is None:
                task_id = self._running_id()

            # Chunk by chunk: the splitter holds at most one bounded line, and
            # a task printing without pause has its lines written as they come.
            with self._out_lock:
                capture.lines.feed(chunk, send)
                if len(self._out) > 1024 * 1024:
                    self._flush_locked()

        if at_end:
            if task_id is None:
                task_id = self._running_id()
            with self._out_lock:
                capture.lines.finish(send)
        return sent

    def _running_id(self):
        with self._lock:
            return self._running.id if self._running is not None else 0

    def _output_thread(self):
        poller = select.poll()
        by_fd = {}
        for capture in self._captures:
            poller.register(capture.fd, select.POLLIN)
            by_fd[capture.fd] = capture
        while by_fd:
            events = poller.poll()
            sent = False
            with self.capture_lock:
                for fd, _ in events:
                    capture = by_fd.get(fd)
                    if capture is None:
                        continue
                    sent |= self._capture_read_locked(capture, None, False)
                    if not capture.open:
                        poller.unregister(fd)
                        del by_fd[fd]
            if sent:
                self.wake_ticker()

    def _capture_task_end(self, task_id):
        """Main thread, when a task has returned: what it printed goes before
        its end."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        if not self._captures:
            return
        # One poll() says which pipes hold anything: most tasks print nothing.
        readable = {fd for fd, _ in self._capture_poller.poll(0)}
        with self.capture_lock:
            for capture in self._captures:
                # A line without its end, read earlier, ends with the task.
                if (capture.fd in readable or not capture.open or capture.lines.line
                        or capture.lines.cut):
                    self._capture_read_locked(capture, task_id, True)

    # The other threads -----------------------------------------------------

    def _ticker_thread(self):
        while True:
            with self._lock:
                while not self._tick_pending:
                    self._tick_cond.wait()
            # Whatever else comes in this interval goes with it.
            if self._interval > 0:
                time.sleep(self._interval)
            with self._lock:
                self._tick_pending = False
                task = self._running
            with self._out_lock:
                if task is not None:
                    self._append_state_locked(task)
                self._flush_locked()

    def _handle_cancel(self, task_id):
        to_fire = None
        with self._lock:
            if self._running is not None and self._running.id == task_id:
                to_fire = self._running.request_cancel()
            else:
                for task in self._inbox:
                    if task.id == task_id:
                        task.cancelled = True
        if to_fire is not None:
            to_fire.cancel()

    def _reader_thread(self):
        decoder = Decoder()
        while True:
            try:
                data = self._sock.recv(65536)
            except InterruptedError:
                continue
            except OSError:
                data = b""
            if not data:
                # The manager closed the socket: leave now.
                os._exit(0)
            # The RUN frames of one read go to the inbox together, with one
            # wake-up of the main thread (the manager sends a worker's
            # backlog in one write). Any other frame first hands over those
            # read before it, so a CANCEL finds its task in the inbox.
            runs = []
            try:
                for msg_type, body in decoder.feed(data, fast=True):
                    if msg_type == RUN and isinstance(body, RunBody):
                        runs.append(_Task(self, body.task_id, body.entry_point, body.args,
                                          body.trace_id))
                        continue
                    if msg_type == RUN:
                        runs.append(_Task(self, body.get_child_value(0).get_uint64(),
                                          body.get_child_value(1).get_string(),
                                          body.get_child_value(2).get_variant(),
                                          body.get_child_value(3).get_uint64()))
                        continue
                    if runs:
                        self._hand_over(runs)
                        runs = []
                    if msg_type == CANCEL:
                        self._handle_cancel(body if isinstance(body, int)
                                            else body.get_child_value(0).get_uint64())
                    elif msg_type == EXIT:
                        os._exit(0)
                    else:
                        _warn(f"ignoring a {MESSAGE_NAMES[msg_type]} message")
            except ProtocolError as error:
                if runs:
                    self._hand_over(runs)
                _die(f"tasker-worker: {error}\n", 1)
            if runs:
                self._hand_over(runs)

    def _hand_over(self, tasks):
        """The reader thread: @tasks go to the main thread's inbox."""
        with self._lock:
            self._inbox.extend(tasks)
            self._jobs_cond.notify()

    def start_threads(self):
        for target, name in ((self._reader_thread, "tasker-reader"),
                             (self._ticker_thread, "tasker-ticker"),
                             (self._output_thread if self._captures else None, "tasker-output")):
            if target is not None:
                threading.Thread(target=_guarded(target), name=name, daemon=True).start()

    # Running tasks -------------------------------------------------------

    def enter_main(self, main_path):
        """Loads the parent's main script as `__mp_main__` (as multiprocessing
        does, so its `if __name__ == "__main__":` code does not run), and
        makes `__main__` name it until the task ends, for pickle."""
        main_path = os.path.abspath(main_path)
        module = self._main_module
        if module is None or getattr(module, "__file__", None) != main_path:
            spec = importlib.util.spec_from_file_location(
                "__mp_main__", main_path, loader=_MainLoader("__mp_main__", main_path))
            module = importlib.util.module_from_spec(spec)
            sys.modules["__mp_main__"] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop("__mp_main__", None)
                raise
            self._main_module = module
        sys.modules["__mp_main__"] = module
        sys.modules["__main__"] = module
        self._main_entered = True
        return module

    def dumps(self, obj):
        """pickle.dumps(), with what the parent's main script defines named
        as the parent knows it, once that script has been loaded."""
        if self._main_module is None:
            return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
        buffer = io.BytesIO()
        _MainPickler(buffer, self._main_module).dump(obj)
        return buffer.getvalue()

    def _leave_main(self):
        if self._main_entered:
            sys.modules["__main__"] = self._own_main
            self._main_entered = False

    def _import(self, module_name, main_path):
        if module_name == "__main__":
            if not main_path:
                raise _invalid_argument("cannot import module “__main__”: the submitting "
                                        "program has no main script")
            try:
                return self.enter_main(main_path)
            except Exception as error:
                raise _invalid_argument(f"cannot import module “__main__” from {main_path}: "
                                        f"{_describe(error)}") from None
        module = sys.modules.get(module_name)
        if module is not None and not getattr(getattr(module, "__spec__", None),
                                              "_initializing", False):
            # Imported by an earlier task, and not still being imported.
            return module
        if module is None:
            # sys.path may have changed, or files appeared since the last look.
            importlib.invalidate_caches()
        try:
            return importlib.import_module(module_name)
        except ImportError as error:
            raise _invalid_argument(f"cannot import module “{module_name}”: {error}") from None
        except Exception as error:
            raise _invalid_argument(f"cannot import module “{module_name}”: "
                                    f"{_describe(error)}") from None

    def _resolve(self, task):
        """Returns (func, args, kwargs) of a task's payload; raises TaskError."""
        if isinstance(task.args, bytes):
            payload = task.args         # read without GLib: an `ay`
        elif task.args.get_type_string() == "(ss)" and task.args[0] == ARGUMENT_ERROR:
            # The override could not pickle the arguments: the task fails with its message.
            raise _serialisation_error(task.args[1])
        elif task.args.get_type_string() != "ay":
            raise _serialisation_error("cannot unpickle argument: the arguments have type "
                                       f"{task.args.get_type_string()} instead of ay")
        else:
            payload = task.args.get_data_as_bytes().get_data()
        task.args = None        # a context may outlive the task

        # The override sends the same bytes for each call of a function
        # without arguments: their head is read once (its sys.path is a
        # copy, never changed, and there are no arguments to share).
        cached = self._last_head
        if cached is not None and cached[0] == payload:
            head = cached[1]
            placeholders = False
        else:
            unpickler = _HeadUnpickler(io.BytesIO(payload))
            try:
                head = unpickler.load()
            except Exception as error:
                raise _serialisation_error(f"cannot unpickle argument: {error}") from None
            if (not isinstance(head, tuple) or len(head) != 6 or not isinstance(head[0], list)
                    or not isinstance(head[1], (str, type(None)))
                    or not isinstance(head[2], str) or not isinstance(head[3], str)):
                raise _serialisation_error("cannot unpickle argument: the payload is not "
                                           "(sys_path, main_path, module, qualname, args, "
                                           "kwargs)")
            placeholders = unpickler.placeholders
            self._last_head = (None if placeholders or head[4] != () or head[5] != {}
                               else (payload, head))
        sys_path, main_path, module_name, qualname = head[:4]

        # Entries that are not strings (placeholders here) mean nothing to imports.
        if sys.path != sys_path:
            sys.path[:] = [entry for entry in sys_path if isinstance(entry, str)]
        func = self._import(module_name, main_path)
        for part in qualname.split("."):
            try:
                func = getattr(func, part)
            except AttributeError:
                raise _invalid_argument(f"module “{module_name}” has no attribute "
                                        f"“{qualname}”") from None

        try:
            if placeholders:
                args, kwargs = _ArgsUnpickler(io.BytesIO(payload), self, main_path).load()[4:]
            else:
                args, kwargs = head[4:]
            args = tuple(args)
            kwargs = dict(kwargs)
        except Exception as error:
            raise _serialisation_error(f"cannot unpickle argument: {error}") from None
        return func, args, kwargs

    def _call(self, task):
        """Runs a task's function; returns its _Outcome."""
        try:
            func, args, kwargs = self._resolve(task)
        except TaskError as error:
            return _Outcome(error=error)

        try:
            result = func(Context(task), *args, **kwargs)
        except SystemExit as leaving:
            code = leaving.code
            if code is None:
                status = 0
            elif isinstance(code, int):
                status = code & 0xFF
            else:
                # As Python does: the message on standard error, status 1.
                sys.stderr.write(f"{code}\n")
                status = 1
            return _Outcome(exit_status=status)
        except BaseException as exception:
            return self._exception_outcome(task, exception)
        finally:
            del args, kwargs

        try:
            data = self.dumps(result)
        except Exception as error:
            return _Outcome(error=_serialisation_error(f"cannot pickle result: {error}"))
        finally:
            del result
        return _Outcome(result=data)

    def _exception_outcome(self, task, exception):
        # The first entry of the traceback is _call's own frame.
        tb = exception.__traceback__
        tb = tb.tb_next if tb is not None else None
        tb_text = "".join(traceback.format_exception(type(exception), exception, tb))
        frames = []
        try:
            data = self.dumps((exception, tb_text))
            frames.append(self._event_frame(task.id, EXCEPTION_EVENT, data))
        except Exception:
            pass        # only sent if it pickles (and fits in a frame)
        error = TaskError(TASKER_ERROR_DOMAIN, TASKER_ERROR_FAILED, _describe(exception))
        exception.__traceback__ = None
        return _Outcome(frames=frames, error=error)

    def _run(self, task):
        # What the last task said goes out before this one can crash: the
        # manager then knows the task in flight is the oldest it has not
        # heard the end of. STARTED rides along in the same write.
        with self._out_lock:
            self._append_locked(encode_id_frame(STARTED, task.id))
            self._flush_locked()

        try:
            outcome = self._call(task)
        finally:
            self._leave_main()

        _end_descendants()
        self._capture_task_end(task.id)

        # From here a CANCEL finds no running task: whether one had reached
        # it is settled, and the manager is told.
        with self._lock:
            flags = 0 if task.cancelled else FLAG_BEFORE_CANCEL
            self._running = None

        with self._out_lock:
            self._append_state_locked(task)
            for frame in outcome.frames:
                self._append_locked(frame)
            if outcome.result is not None:
                try:
                    self._append_locked(encode_result_frame(task.id, outcome.result, flags))
                except OverflowError as error:
                    outcome.error = _serialisation_error(
                        f"cannot serialise result: {error.args[0]} bytes exceed the frame limit "
                        f"of {MAX_FRAME} bytes")
            if outcome.error is not None:
                self._append_error_locked(task.id, outcome.error.domain, outcome.error.code,
                                          outcome.error.message, flags)
            if outcome.exit_status is not None:
                self._flush_locked()
                os._exit(outcome.exit_status)

    def _append_error_locked(self, task_id, domain, code, message, flags=0):
        self._append_locked(encode_frame(ERROR, GLib.Variant(
            "(tsis)", (task_id, domain, code, valid_utf8(message))), flags))

    def main_loop(self):
        while True:
            with self._lock:
                task = self._inbox.popleft() if self._inbox else None
                # Running from the moment it leaves the inbox, so that a
                # CANCEL always finds it in one place or the other.
                if task is not None and not task.cancelled:
                    self._running = task
            if task is None:
                self.flush()
                with self._lock:
                    while not self._inbox:
                        self._jobs_cond.wait()
                continue
            if task.cancelled:
                with self._out_lock:
                    self._append_error_locked(task.id, IO_ERROR_DOMAIN,
                                              IO_ERROR_CANCELLED,
                                              "Task was cancelled")
            else:
                self._run(task)
            del task


# The capture lock of the worker, once there is one (see _die).
_capture_lock = None


def _die(text, status):
    """Says why on standard error and ends the process at once.

    Our own output thread reads standard error, and would send the text as a
    log line of no task (dropped) if it got there first; holding its lock
    keeps the text in the pipe, where the manager reads what is left of a
    dead worker's output."""
    if _capture_lock is not None:
        _capture_lock.acquire(timeout=1.0)
    try:
        os.write(2, text.encode("utf-8", "replace"))
    except OSError:
        pass
    os._exit(status)


def _guarded(target):
    """A thread's function that ends the process if the thread fails: a
    worker that lost a thread would hang."""
    def run():
        try:
            target()
        except BaseException:
            _die("tasker-worker: " + traceback.format_exc(), 1)
    return run


# --- what a task started -------------------------------------------------------

_PR_SET_CHILD_SUBREAPER = 36
_DESCENDANTS_GRACE_S = DESCENDANTS_GRACE_MS / 1000    # SIGTERM, then SIGKILL


def _become_subreaper():
    """What a task leaves running comes to us, to end with the task."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _has_children():
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def _signal_descendants(signum):
    """Sends `signum` to every descendant: as their subreaper we are the end
    of each one's chain of parents."""
    parents = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid …": comm may hold anything, even ")".
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            parents[int(name)] = int(fields[1])
    me = os.getpid()
    for pid, ppid in parents.items():
        for _ in range(len(parents)):
            if ppid <= 1 or ppid == me:
                break
            ppid = parents.get(ppid, 0)
        if ppid == me:
            try:
                os.kill(pid, signum)
            except OSError:
                pass


def _end_descendants():
    """Every process the task started and left ends now, before its result
    goes (DESIGN.md §4, Process trees). One that started none costs one
    waitid()."""
    if not _has_children():
        return
    _signal_descendants(signal.SIGTERM)
    deadline = time.monotonic() + _DESCENDANTS_GRACE_S
    killed = False
    while True:
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            return
        if not _has_children():
            return
        # Again each time: one may have forked in between.
        if killed or time.monotonic() >= deadline:
            _signal_descendants(signal.SIGKILL)
            killed = True
        time.sleep(0.001)


def _open_captures():
    """Started by a manager, fds 4 and 5 read our own output; run by hand,
    they are not there and output goes where it goes."""
    fds = (STDOUT_FD, STDERR_FD)
    try:
        for fd in fds:
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    except OSError:
        return ()
    return fds


def main(argv=None):
    parser = argparse.ArgumentParser(prog="tasker/worker.py",
                                     description="Runs Python process tasks for a Tasker manager.")
    parser.add_argument("--update-interval", type=int, default=16, metavar="MS",
                        help="how often to send progress, in milliseconds")
    options = parser.parse_args(argv)

    # Die of Ctrl-C like the C worker, rather than raise in a task.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _become_subreaper()

    try:
        sock = socket.socket(fileno=SOCKET_FD)
        sock.setblocking(True)
    except OSError as error:
        _die(f"tasker-worker: fd {SOCKET_FD} is not the socket to a manager: {error}\n", 2)

    capture_fds = _open_captures()
    # A task's own child processes must not hold our socket or pipes.
    for fd in (SOCKET_FD,) + capture_fds:
        os.set_inheritable(fd, False)

    # The manager reads our output as lines of the running task's log.
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)

    worker = Worker(sock, options.update_interval, capture_fds)
    global _capture_lock
    _capture_lock = worker.capture_lock
    worker.send_hello()
    worker.start_threads()
    worker.main_loop()


if __name__ == "__main__":
    main()
