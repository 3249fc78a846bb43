/* threadpool.h: a persistent pool of worker threads that run one function on every thread and
 * wait for all of them (spin first, then sleep on a condition variable). Nothing is allocated
 * per run. */
#ifndef TRIT_THREADPOOL_H
#define TRIT_THREADPOOL_H

struct threadpool;

/* the work of one run: called once on each thread ith in [0, nth) */
typedef void (*tp_fn)(void *ctx, int ith, int nth);

/* a pool of n threads in all (the caller is thread 0, so n-1 workers are started); n >= 1 */
struct threadpool *tp_create(int n);
/* stops and joins the workers and frees the pool */
void tp_destroy(struct threadpool *p);
/* the number of threads, the caller included */
int tp_threads(const struct threadpool *p);
/* runs fn(ctx, ith, n) on every thread and returns when all have returned */
void tp_run(struct threadpool *p, tp_fn fn, void *ctx);
/* splits [0, total) into nth parts whose boundaries are multiples of align (the last part takes
 * the remainder); sets thread ith's [*lo, *hi) */
void tp_split(long total, long align, int ith, int nth, long *lo, long *hi);

#endif
