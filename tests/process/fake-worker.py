#!/usr/bin/env python3
# fake-worker.py MODE: a worker that breaks the protocol (docs/worker-protocol.md)
# in one way, for tests/process/test-process.c. Frames are built by hand.
#
#   result-before-started  says HELLO, then answers each RUN with a RESULT and no STARTED
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import struct
import sys

SOCKET_FD = 3
HELLO, RUN, RESULT = 1, 2, 9


def frame(msg_type, body_data, body_type):
    # (uuv) in normal form: type, flags, the body's data, NUL, its type string.
    payload = struct.pack("<II", msg_type, 0) + body_data + b"\0" + body_type
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
        if msg_type == RUN and mode == "result-before-started":
            (task_id,) = struct.unpack("<Q", payload[8:16])
            # (tv): the id, then the variant <int32 1>.
            send(frame(RESULT, struct.pack("<Qi", task_id, 1) + b"\0i", b"(tv)"))


main()
