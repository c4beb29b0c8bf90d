/*
 * Persistent worker threads for the addon's parallel splits (see pool.h).
 *
 * Starting and joining a thread costs about 35 µs here (2 × Xeon vCPU); a training step of the
 * canonical MNIST VAE splits 14 products, so the per-call threads cost about 0.5 ms of a 3 ms step.
 * The pool's workers are started once; a run publishes (fn, ctx, tasks) and bumps a generation
 * counter, each worker whose task index is below `tasks` runs it and counts down `pending`, and the
 * caller runs task 0 and waits for `pending` to reach zero. Workers and the waiting caller spin for
 * up to 300 µs (SPIN_NS) before sleeping on a condition variable, since in a training step the
 * next product follows within microseconds to a fraction of a millisecond.
 */
#define _POSIX_C_SOURCE 200809L
#include "pool.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/*
 * How long a worker waiting for the next run, and a caller waiting for its workers, spin before
 * sleeping: 300 µs. A training step's products are separated by single-threaded elementwise work of
 * up to ~0.2 ms (the likelihood, Adam's small variables, the JavaScript between steps); a worker
 * that has gone to sleep by then costs a futex wake-up of tens of µs per product. Measured on the
 * canonical MNIST model (npm run bench, 2 × Xeon): 25 µs of spinning 1.65 s an epoch, 100 µs 1.53 s,
 * 300 µs 1.40 s, 1 ms 1.45 s. Every 64 pauses a spinner calls sched_yield, so that another runnable
 * thread on its core goes first (the second JavaScript thread of data-parallel training: without the
 * yield its epochs took 7.2–7.6 s against 6.8–7.1 s before the longer spin, with it 6.4–6.8 s).
 */
enum { SPIN_NS = 300000 };

static inline long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Held by the caller for the whole of a run: one run at a time uses the workers. */
static pthread_mutex_t owner = PTHREAD_MUTEX_INITIALIZER;
/* Guards the sleeping side of `generation` and `pending`. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER;

static int workers; /* started so far; worker i runs task i + 1 */
/* The generation before worker i's first run (read by the worker when it starts, which may be
 * after that run has been published). */
static unsigned long first_seen[VK_POOL_MAX_TASKS];
static _Atomic unsigned long generation;
static _Atomic int pending;
/* The current run: written and read under `mu`, with `generation`. */
static vk_task_fn job_fn;
static void *job_ctx;
static int job_tasks;

/* One turn of a spin that ends at `end` (ns): a pause, and every 64 turns the clock and a yield.
 * Returns 0 when the budget has passed. */
static inline int spin_turn(int i, long long end) {
  cpu_relax();
  if ((i & 63) != 63) return 1;
  if (now_ns() > end) return 0;
  sched_yield();
  return 1;
}

static void *worker_main(void *arg) {
  const int task = (int)(intptr_t)arg + 1;
  pthread_mutex_lock(&mu);
  unsigned long seen = first_seen[task - 1];
  pthread_mutex_unlock(&mu);
  for (;;) {
    const long long end = now_ns() + SPIN_NS;
    for (int i = 0; atomic_load_explicit(&generation, memory_order_acquire) == seen && spin_turn(i, end); i++) {
    }
    /* The run's fields are read under the lock that the caller writes them under, with the
     * generation they belong to (a worker not needed in one run may wake only after the next). */
    pthread_mutex_lock(&mu);
    unsigned long g;
    while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen) pthread_cond_wait(&wake, &mu);
    const vk_task_fn fn = job_fn;
    void *const ctx = job_ctx;
    const int tasks = job_tasks;
    pthread_mutex_unlock(&mu);
    seen = g;
    if (task >= tasks) continue; /* not needed in this run */
    fn(ctx, task);
    if (atomic_fetch_sub_explicit(&pending, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&mu);
      pthread_cond_signal(&finished);
      pthread_mutex_unlock(&mu);
    }
  }
  return NULL;
}

typedef struct {
  vk_task_fn fn;
  void *ctx;
  int task;
} lone_task;

static void *lone_main(void *arg) {
  lone_task *t = (lone_task *)arg;
  t->fn(t->ctx, t->task);
  return NULL;
}

/* A run while the workers are busy: threads of its own, as before the pool. */
static void run_on_fresh_threads(vk_task_fn fn, void *ctx, int tasks) {
  lone_task jobs[VK_POOL_MAX_TASKS];
  pthread_t ids[VK_POOL_MAX_TASKS];
  int started[VK_POOL_MAX_TASKS] = {0};
  for (int t = 1; t < tasks; t++) {
    jobs[t] = (lone_task){fn, ctx, t};
    started[t] = pthread_create(&ids[t], NULL, lone_main, &jobs[t]) == 0;
  }
  fn(ctx, 0);
  for (int t = 1; t < tasks; t++) {
    if (started[t]) pthread_join(ids[t], NULL);
    else fn(ctx, t);
  }
}

/* Declared in pool.h. */
void vk_pool_run(vk_task_fn fn, void *ctx, int tasks) {
  if (tasks > VK_POOL_MAX_TASKS) tasks = VK_POOL_MAX_TASKS;
  if (tasks <= 1) {
    if (tasks == 1) fn(ctx, 0);
    return;
  }
  if (pthread_mutex_trylock(&owner) != 0) {
    run_on_fresh_threads(fn, ctx, tasks);
    return;
  }
  while (workers < tasks - 1) {
    pthread_t id;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_mutex_lock(&mu);
    first_seen[workers] = atomic_load_explicit(&generation, memory_order_relaxed);
    pthread_mutex_unlock(&mu);
    const int ok = pthread_create(&id, &attr, worker_main, (void *)(intptr_t)workers) == 0;
    pthread_attr_destroy(&attr);
    if (!ok) break;
    workers++;
  }
  const int pooled = tasks - 1 < workers ? tasks : workers + 1; /* tasks the workers take, with task 0 */
  pthread_mutex_lock(&mu);
  job_fn = fn;
  job_ctx = ctx;
  job_tasks = pooled;
  atomic_store_explicit(&pending, pooled - 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&generation, 1, memory_order_release);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&mu);

  fn(ctx, 0);
  for (int t = pooled; t < tasks; t++) fn(ctx, t); /* no worker could be started for these */

  const long long end = now_ns() + SPIN_NS;
  for (int i = 0; atomic_load_explicit(&pending, memory_order_acquire) > 0 && spin_turn(i, end); i++) {
  }
  if (atomic_load_explicit(&pending, memory_order_acquire) > 0) {
    pthread_mutex_lock(&mu);
    while (atomic_load_explicit(&pending, memory_order_acquire) > 0) pthread_cond_wait(&finished, &mu);
    pthread_mutex_unlock(&mu);
  }
  pthread_mutex_unlock(&owner);
}
