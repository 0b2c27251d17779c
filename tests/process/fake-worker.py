#!/usr/bin/env python3
# fake-worker.py MODE: a worker that breaks the protocol (docs/worker-protocol.md)
# in one way, for tests/process/test-process.c. Frames are built by hand.
#
#   result-before-started  says HELLO, then answers each RUN with a RESULT and no STARTED
#   result-after-cancel    starts each task, waits for its CANCEL, then sends a RESULT
#                          flagged as returned before the cancel reached it (as a
#                          worker's RESULT that crossed the CANCEL on the way would be)
#   lose-second-run MARKER the first one (MARKER does not exist yet: it makes it) runs
#                          one task, then stops reading, so the next RUN it is sent never
#                          reaches it, and exits once the manager lets go of its socket
#                          (a worker that died while idle, before the manager heard of
#                          it); later ones answer each RUN with STARTED and RESULT <int32 1>
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import select
import socket
import struct
import sys

SOCKET_FD = 3
HELLO, RUN, CANCEL, STARTED, RESULT = 1, 2, 3, 4, 9
FLAG_BEFORE_CANCEL = 0x1


def frame(msg_type, body_data, body_type, flags=0):
    # (uuv) in normal form: type, flags, the body's data, NUL, its type string.
    payload = struct.pack("<II", msg_type, flags) + body_data + b"\0" + body_type
    return struct.pack("<I", len(payload)) + payload


def send(data):
    while data:
        data = data[os.write(SOCKET_FD, data):]


def read_exact(n):
    data = b""
    while len(data) < n:
        chunk = os.read(SOCKET_FD, n - len(data))
        if not chunk:
            sys.exit(0)
        data += chunk
    return data


def go_deaf():
    """From now on a send to us fails with EPIPE; exit once the manager lets go."""
    sock = socket.socket(fileno=SOCKET_FD)
    sock.shutdown(socket.SHUT_RD)
    sock.detach()   # the descriptor stays open


def wait_for_hangup():
    poller = select.poll()
    poller.register(SOCKET_FD, select.POLLHUP)
    while not any(ev & select.POLLHUP for _, ev in poller.poll()):
        pass
    sys.exit(0)


def main():
    mode = sys.argv[1]
    if mode == "lose-second-run":
        try:
            os.close(os.open(sys.argv[2], os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            mode = "deaf-after-one"
        except FileExistsError:
            mode = "good"
    send(frame(HELLO, struct.pack("<Ii", 1, os.getpid()), b"(ui)"))
    while True:
        (length,) = struct.unpack("<I", read_exact(4))
        payload = read_exact(length)
        (msg_type,) = struct.unpack("<I", payload[:4])
        if msg_type in (RUN, CANCEL):
            (task_id,) = struct.unpack("<Q", payload[8:16])
        # (tv): the id, then the variant <int32 1>.
        if msg_type == RUN and mode == "result-before-started":
            send(frame(RESULT, struct.pack("<Qi", task_id, 1) + b"\0i", b"(tv)"))
        elif msg_type == RUN and mode == "result-after-cancel":
            send(frame(STARTED, struct.pack("<Q", task_id), b"(t)"))
        elif msg_type == RUN and mode in ("good", "deaf-after-one"):
            send(frame(STARTED, struct.pack("<Q", task_id), b"(t)"))
            if mode == "deaf-after-one":
                go_deaf()
            send(frame(RESULT, struct.pack("<Qi", task_id, 1) + b"\0i", b"(tv)"))
            if mode == "deaf-after-one":
                wait_for_hangup()
        elif msg_type == CANCEL and mode == "result-after-cancel":
            send(frame(RESULT, struct.pack("<Qi", task_id, 1) + b"\0i", b"(tv)",
                       FLAG_BEFORE_CANCEL))


main()
