/*
 * The addon's persistent worker threads (native/pool.c): every split of a product, a convolution or
 * a pass over rows runs its shares on them instead of on threads started and joined per call.
 */
#ifndef VAEKIT_POOL_H
#define VAEKIT_POOL_H

/* The most tasks one run takes (the callers' share arrays are this long). */
#define VK_POOL_MAX_TASKS 16

typedef void (*vk_task_fn)(void *ctx, int task);

/*
 * Runs fn(ctx, t) for every t in [0, tasks) (tasks ≤ VK_POOL_MAX_TASKS) and returns when all have
 * finished: task 0 on the calling thread, the others on the pool's workers, started on first use
 * and kept (they wait on a condition variable after a short spin). A second caller while a run is
 * in progress (another worker_thread of the same process) gets threads started for its run alone;
 * a task no thread could be started for runs on the caller. Which thread runs a task never changes
 * its result.
 */
void vk_pool_run(vk_task_fn fn, void *ctx, int tasks);

#endif
