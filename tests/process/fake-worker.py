#!/usr/bin/env python3
# fake-worker.py MODE: a worker that breaks the protocol (docs/worker-protocol.md)
# in one way, for tests/process/test-process.c. Frames are built by hand.
#
#   result-before-started  says HELLO, then answers each RUN with a RESULT and no STARTED
#   result-after-cancel    starts each task, waits for its CANCEL, then sends a RESULT
#                          flagged as returned before the cancel reached it (as a
#                          worker's RESULT that crossed the CANCEL on the way would be)
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
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


def main():
    mode = sys.argv[1]
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
        elif msg_type == CANCEL and mode == "result-after-cancel":
            send(frame(RESULT, struct.pack("<Qi", task_id, 1) + b"\0i", b"(tv)",
                       FLAG_BEFORE_CANCEL))


main()
