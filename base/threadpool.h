/* threadpool.h: a persistent pool of worker threads that share out the chunks of a range. Chunks are
 * handed out one at a time (an atomic counter), so a thread the machine deschedules delays nothing:
 * the others take its share. Workers spin a while for the next run, then sleep on a condition
 * variable. Nothing is allocated per run. */
#ifndef TRIT_THREADPOOL_H
#define TRIT_THREADPOOL_H

struct threadpool;

/* the work on units [lo, hi) of a run, done by thread ith (0 = the caller; for per-thread scratch) */
typedef void (*tp_range_fn)(void *ctx, long lo, long hi, int ith);

/* a pool of n threads in all (the caller is thread 0, so n-1 workers are started); n >= 1; NULL when
 * the system refuses a thread */
struct threadpool *tp_create(int n);
/* stops and joins the workers and frees the pool */
void tp_destroy(struct threadpool *p);
/* the number of threads, the caller included */
int tp_threads(const struct threadpool *p);
/* calls fn on chunks [c*chunk, min((c+1)*chunk, total)) covering [0, total), each exactly once, on
 * the caller and whichever workers join in; returns when every chunk is done and no worker still
 * holds ctx */
void tp_for(struct threadpool *p, long total, long chunk, tp_range_fn fn, void *ctx);

#endif
