# SPDX-License-Identifier: LGPL-2.1-or-later
"""CPU-bound work for tasker-window.py, run in a Tasker worker process.

A process task's function is found by its module and name, so it lives in an
importable module of its own. Workers never load GTK: this module imports only
the standard library.
"""

PROGRESS_STEP = 5_000  # report progress (and check for cancellation) this often


def _is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    factor = 3
    while factor * factor <= n:
        if n % factor == 0:
            return False
        factor += 2
    return True


def count_primes(context, limit):
    """Count the primes up to @limit, the slow way, and return how many there are.

    Returns None early when the task is cancelled: the manager then marks it
    CANCELLED whatever the function returns.
    """
    context.set_total(limit)
    context.set_message("Counting primes…")
    count = 0
    for n in range(limit + 1):
        if n % PROGRESS_STEP == 0:
            if context.is_cancelled():
                context.log(f"cancelled at {n:,}")
                return None
            context.set_progress(n)
        if _is_prime(n):
            count += 1
    context.set_progress(limit)
    context.set_message(f"Found {count:,} primes")
    return count
