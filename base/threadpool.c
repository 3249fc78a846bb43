#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/util.h"
#include "base/threadpool.h"

/* spin iterations before a waiting thread sleeps (workers) or yields (the caller) */
#define SPIN_WAIT 20000

/* The run state is one word: the run's generation in the high 32 bits, a "closed" bit, and the
 * number of workers inside the run in the low bits. A worker joins run g only by incrementing the
 * count while the word still says g and open; the caller closes the run once every chunk has been
 * taken and waits for the count to reach 0. So no worker touches a run's context after tp_for
 * returned, and a worker that wakes late just finds the run closed. */
#define ST_CLOSED ((uint64_t)1 << 31)
#define ST_COUNT ((uint64_t)0xffff)
#define ST_GEN(s) ((uint32_t)((s) >> 32))

struct threadpool {
	int n;
	pthread_t *threads;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int sleepers; /* guarded by mu */
	_Atomic uint64_t state;
	atomic_long next; /* the next chunk to hand out */
	atomic_int quit;
	/* the current run (written by the caller before it opens the run) */
	tp_range_fn fn;
	void *ctx;
	long total, chunk, nchunks;
};

struct worker_arg {
	struct threadpool *p;
	int ith;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

/* takes chunks until none is left */
static void take_chunks(struct threadpool *p, int ith)
{
	for (;;) {
		long c = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
		if (c >= p->nchunks)
			return;
		long lo = c * p->chunk, hi = lo + p->chunk < p->total ? lo + p->chunk : p->total;
		p->fn(p->ctx, lo, hi, ith);
	}
}

static uint32_t wait_for_new_gen(struct threadpool *p, uint32_t seen)
{
	uint32_t g;
	for (int spins = 0; (g = ST_GEN(atomic_load_explicit(&p->state, memory_order_acquire))) == seen; spins++) {
		if (spins < SPIN_WAIT) {
			cpu_relax();
			continue;
		}
		pthread_mutex_lock(&p->mu);
		p->sleepers++;
		while (ST_GEN(atomic_load_explicit(&p->state, memory_order_acquire)) == seen)
			pthread_cond_wait(&p->cv, &p->mu);
		p->sleepers--;
		pthread_mutex_unlock(&p->mu);
	}
	return g;
}

/* joins run g if it is still open: 1 when joined */
static int join_run(struct threadpool *p, uint32_t g)
{
	uint64_t s = atomic_load_explicit(&p->state, memory_order_acquire);
	while (ST_GEN(s) == g && !(s & ST_CLOSED))
		if (atomic_compare_exchange_weak_explicit(&p->state, &s, s + 1, memory_order_acq_rel, memory_order_acquire))
			return 1;
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	struct threadpool *p = wa->p;
	int ith = wa->ith;
	free(wa);
	uint32_t seen = 0;
	for (;;) {
		seen = wait_for_new_gen(p, seen);
		if (atomic_load_explicit(&p->quit, memory_order_acquire))
			return NULL;
		if (!join_run(p, seen))
			continue;
		take_chunks(p, ith);
		atomic_fetch_sub_explicit(&p->state, 1, memory_order_acq_rel);
	}
}

struct threadpool *tp_create(int n)
{
	struct threadpool *p = xcalloc(1, sizeof(*p));
	p->n = n < 1 ? 1 : n;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	atomic_init(&p->state, 0);
	atomic_init(&p->next, 0);
	atomic_init(&p->quit, 0);
	p->threads = xcalloc((size_t)p->n, sizeof(pthread_t));
	for (int i = 1; i < p->n; i++) {
		struct worker_arg *wa = xmalloc(sizeof(*wa));
		wa->p = p;
		wa->ith = i;
		if (pthread_create(&p->threads[i], NULL, worker_main, wa) != 0) {
			free(wa);
			p->n = i; /* the workers started so far are stopped and joined */
			tp_destroy(p);
			return NULL;
		}
	}
	return p;
}

/* opens the next run (a new generation, open, no worker inside) and wakes the sleepers */
static void open_run(struct threadpool *p)
{
	pthread_mutex_lock(&p->mu);
	uint64_t s = atomic_load_explicit(&p->state, memory_order_relaxed);
	atomic_store_explicit(&p->state, (uint64_t)(ST_GEN(s) + 1) << 32, memory_order_release);
	if (p->sleepers)
		pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void tp_destroy(struct threadpool *p)
{
	if (!p)
		return;
	atomic_store_explicit(&p->quit, 1, memory_order_release);
	open_run(p);
	for (int i = 1; i < p->n; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->threads);
	free(p);
}

int tp_threads(const struct threadpool *p) { return p->n; }

void tp_for(struct threadpool *p, long total, long chunk, tp_range_fn fn, void *ctx)
{
	if (total <= 0)
		return;
	if (chunk < 1)
		chunk = 1;
	long nchunks = (total + chunk - 1) / chunk;
	if (p->n == 1 || nchunks == 1) {
		for (long lo = 0; lo < total; lo += chunk)
			fn(ctx, lo, lo + chunk < total ? lo + chunk : total, 0);
		return;
	}
	p->fn = fn;
	p->ctx = ctx;
	p->total = total;
	p->chunk = chunk;
	p->nchunks = nchunks;
	atomic_store_explicit(&p->next, 0, memory_order_relaxed);
	open_run(p);
	take_chunks(p, 0);
	atomic_fetch_or_explicit(&p->state, ST_CLOSED, memory_order_acq_rel);
	for (int spins = 0; atomic_load_explicit(&p->state, memory_order_acquire) & ST_COUNT; spins++) {
		if (spins < SPIN_WAIT)
			cpu_relax();
		else
			sched_yield();
	}
}
