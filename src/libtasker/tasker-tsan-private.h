/* tasker-tsan-private.h — ThreadSanitizer annotations for GLib's locks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Only a -Db_sanitize=thread build uses this header: meson.build passes it
 * with -include to every C file (library, worker and tests), so no source
 * file names it.
 *
 * Debian's GLib is not built with TSan. GMutex and GCond are futexes and
 * atomics inside libglib, GThreadPool hands data over through a GAsyncQueue
 * there, a GAtomicRcBox counts in there too, and a GTask returned on one
 * thread reaches another through GMainContext, so TSan sees none of these
 * happens-before edges and reports every access they order as a race. Here
 * each of those calls is wrapped to tell TSan about the edge it makes, on the
 * address of the object that makes it (the mutex, the pushed data, the box,
 * the GTask): nothing is ordered that GLib does not order.
 */

#pragma once

/* (a file built without GLib, like the worker's main, has nothing to wrap) */
#if __has_include (<glib.h>)

#include <glib.h>
#include <sanitizer/tsan_interface.h>

/* A mutex: what was done before an unlock is seen after the next lock. */
static inline void
tasker_tsan_mutex_lock (GMutex *mutex)
{
  g_mutex_lock (mutex);
  __tsan_acquire (mutex);
}

static inline gboolean
tasker_tsan_mutex_trylock (GMutex *mutex)
{
  if (!g_mutex_trylock (mutex))
    return FALSE;
  __tsan_acquire (mutex);
  return TRUE;
}

static inline void
tasker_tsan_mutex_unlock (GMutex *mutex)
{
  __tsan_release (mutex);
  g_mutex_unlock (mutex);
}

/* GMutexLocker's inline functions call the real lock and unlock, and its
 * g_autoptr() cleanup cannot be wrapped: a locker of our own type stands in
 * for it (g_autoptr(GMutexLocker) names it through the macro below). */
typedef GMutex TaskerTsanMutexLocker;

static inline TaskerTsanMutexLocker *
tasker_tsan_mutex_locker_new (GMutex *mutex)
{
  tasker_tsan_mutex_lock (mutex);
  return mutex;
}

static inline void
tasker_tsan_mutex_locker_free (TaskerTsanMutexLocker *locker)
{
  tasker_tsan_mutex_unlock (locker);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TaskerTsanMutexLocker, tasker_tsan_mutex_locker_free)

/* A wait unlocks the mutex and locks it again. */
static inline void
tasker_tsan_cond_wait (GCond  *cond,
                       GMutex *mutex)
{
  __tsan_release (mutex);
  g_cond_wait (cond, mutex);
  __tsan_acquire (mutex);
}

static inline gboolean
tasker_tsan_cond_wait_until (GCond  *cond,
                             GMutex *mutex,
                             gint64  end_time)
{
  gboolean signalled;

  __tsan_release (mutex);
  signalled = g_cond_wait_until (cond, mutex, end_time);
  __tsan_acquire (mutex);
  return signalled;
}

/* A thread pool: what was done before a push is seen by the pool thread
 * that gets the data. The trampoline's closure lives as long as the process
 * (one per pool; this build only runs tests). */
typedef struct
{
  GFunc    func;
  gpointer user_data;
} TaskerTsanPoolFunc;

static inline void
tasker_tsan_pool_trampoline (gpointer data,
                             gpointer user_data)
{
  TaskerTsanPoolFunc *closure = user_data;

  if (data != NULL)
    __tsan_acquire (data);
  closure->func (data, closure->user_data);
}

static inline GThreadPool *
tasker_tsan_thread_pool_new (GFunc     func,
                             gpointer  user_data,
                             gint      max_threads,
                             gboolean  exclusive,
                             GError  **error)
{
  TaskerTsanPoolFunc *closure = g_new (TaskerTsanPoolFunc, 1);

  closure->func = func;
  closure->user_data = user_data;
  return g_thread_pool_new (tasker_tsan_pool_trampoline, closure, max_threads, exclusive, error);
}

static inline gboolean
tasker_tsan_thread_pool_push (GThreadPool  *pool,
                              gpointer      data,
                              GError      **error)
{
  if (data != NULL)
    __tsan_release (data);
  return g_thread_pool_push (pool, data, error);
}

/* An atomic reference-counted box: every release happens before the clear
 * function of the last one, which runs in the releasing thread (so a
 * thread-local variable can carry the real clear function to it). */
static __thread GDestroyNotify tasker_tsan_rc_box_clear;

static inline void
tasker_tsan_rc_box_clear_trampoline (gpointer mem_block)
{
  GDestroyNotify clear = tasker_tsan_rc_box_clear;

  __tsan_acquire (mem_block);
  if (clear != NULL)
    clear (mem_block);
}

static inline void
tasker_tsan_atomic_rc_box_release_full (gpointer       mem_block,
                                        GDestroyNotify clear_func)
{
  __tsan_release (mem_block);
  tasker_tsan_rc_box_clear = clear_func;
  g_atomic_rc_box_release_full (mem_block, tasker_tsan_rc_box_clear_trampoline);
}

#if __has_include (<gio/gio.h>)
#include <gio/gio.h>

/* A GTask returned on one thread is propagated on another, through
 * uninstrumented GIO and GMainContext: every return happens before the
 * propagate that reads it. */
static inline gboolean
tasker_tsan_task_return_error_if_cancelled (GTask *task)
{
  __tsan_release (task);
  return g_task_return_error_if_cancelled (task);
}

/* (the error is made before the release, its message included) */
static inline void
tasker_tsan_task_return_new_error (GTask      *task,
                                   GQuark      domain,
                                   gint        code,
                                   const char *format,
                                   ...) G_GNUC_PRINTF (4, 5);

static inline void
tasker_tsan_task_return_new_error (GTask      *task,
                                   GQuark      domain,
                                   gint        code,
                                   const char *format,
                                   ...)
{
  GError *error;
  va_list args;

  va_start (args, format);
  error = g_error_new_valist (domain, code, format, args);
  va_end (args);
  __tsan_release (task);
  g_task_return_error (task, error);
}

static inline gpointer
tasker_tsan_task_propagate_pointer (GTask   *task,
                                    GError **error)
{
  gpointer result = g_task_propagate_pointer (task, error);

  __tsan_acquire (task);
  return result;
}

static inline gboolean
tasker_tsan_task_propagate_boolean (GTask   *task,
                                    GError **error)
{
  gboolean result = g_task_propagate_boolean (task, error);

  __tsan_acquire (task);
  return result;
}

#define g_task_return_pointer(t, r, d)      (__tsan_release (t), g_task_return_pointer ((t), (r), (d)))
#define g_task_return_boolean(t, r)         (__tsan_release (t), g_task_return_boolean ((t), (r)))
#define g_task_return_error(t, e)           (__tsan_release (t), g_task_return_error ((t), (e)))
#define g_task_return_new_error(t, ...)     tasker_tsan_task_return_new_error ((t), __VA_ARGS__)
#define g_task_return_error_if_cancelled(t) tasker_tsan_task_return_error_if_cancelled (t)
#define g_task_propagate_pointer(t, e)      tasker_tsan_task_propagate_pointer ((t), (e))
#define g_task_propagate_boolean(t, e)      tasker_tsan_task_propagate_boolean ((t), (e))
#endif /* __has_include (<gio/gio.h>) */

#define g_mutex_lock(m)                 tasker_tsan_mutex_lock (m)
#define g_mutex_trylock(m)              tasker_tsan_mutex_trylock (m)
#define g_mutex_unlock(m)               tasker_tsan_mutex_unlock (m)
#define GMutexLocker                    TaskerTsanMutexLocker
#define g_mutex_locker_new(m)           tasker_tsan_mutex_locker_new (m)
#define g_mutex_locker_free(l)          tasker_tsan_mutex_locker_free (l)
#define g_cond_wait(c, m)               tasker_tsan_cond_wait ((c), (m))
#define g_cond_wait_until(c, m, t)      tasker_tsan_cond_wait_until ((c), (m), (t))
#define g_thread_pool_new(f, d, n, x, e) tasker_tsan_thread_pool_new ((f), (d), (n), (x), (e))
#define g_thread_pool_push(p, d, e)     tasker_tsan_thread_pool_push ((p), (d), (e))
#define g_atomic_rc_box_release_full(b, c) tasker_tsan_atomic_rc_box_release_full ((b), (c))

#endif /* __has_include (<glib.h>) */
