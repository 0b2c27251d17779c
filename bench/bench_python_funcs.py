# bench_python_funcs.py: functions bench-python.py runs in worker processes
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A process task's function must be importable by its module path in the
# worker (DESIGN.md §5); bench-python.py puts this directory on sys.path. The
# same function serves the multiprocessing baseline (which passes None for
# the context). Nothing here imports gi: the baseline's children stay plain.


def trivial(context):
    """Does nothing: the cost measured is the round trip."""
    return None
