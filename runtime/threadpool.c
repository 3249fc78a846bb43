#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/util.h"
#include "runtime/threadpool.h"

/* spin iterations before a waiting thread sleeps (workers) or yields (the caller) */
#define SPIN_WAIT 20000

struct threadpool {
	int n;
	pthread_t *threads;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int sleepers; /* guarded by mu */
	atomic_uint gen;
	atomic_int pending;
	atomic_int quit;
	tp_fn fn;
	void *ctx;
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

static unsigned wait_for_new_gen(struct threadpool *p, unsigned seen)
{
	unsigned g;
	for (int spins = 0; (g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen; spins++) {
		if (spins < SPIN_WAIT) {
			cpu_relax();
			continue;
		}
		pthread_mutex_lock(&p->mu);
		p->sleepers++;
		while (atomic_load_explicit(&p->gen, memory_order_acquire) == seen)
			pthread_cond_wait(&p->cv, &p->mu);
		p->sleepers--;
		pthread_mutex_unlock(&p->mu);
	}
	return g;
}

static void *worker_main(void *arg)
{
	struct worker_arg *wa = arg;
	struct threadpool *p = wa->p;
	int ith = wa->ith;
	free(wa);
	unsigned seen = 0;
	for (;;) {
		seen = wait_for_new_gen(p, seen);
		if (atomic_load_explicit(&p->quit, memory_order_acquire))
			return NULL;
		p->fn(p->ctx, ith, p->n);
		atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel);
	}
}

struct threadpool *tp_create(int n)
{
	struct threadpool *p = xcalloc(1, sizeof(*p));
	p->n = n < 1 ? 1 : n;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	atomic_init(&p->gen, 0);
	atomic_init(&p->pending, 0);
	atomic_init(&p->quit, 0);
	p->threads = xcalloc((size_t)p->n, sizeof(pthread_t));
	for (int i = 1; i < p->n; i++) {
		struct worker_arg *wa = xmalloc(sizeof(*wa));
		wa->p = p;
		wa->ith = i;
		if (pthread_create(&p->threads[i], NULL, worker_main, wa) != 0)
			die("cannot start worker thread %d", i);
	}
	return p;
}

static void wake_workers(struct threadpool *p)
{
	pthread_mutex_lock(&p->mu);
	atomic_fetch_add_explicit(&p->gen, 1, memory_order_acq_rel);
	if (p->sleepers)
		pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void tp_destroy(struct threadpool *p)
{
	if (!p)
		return;
	atomic_store_explicit(&p->quit, 1, memory_order_release);
	wake_workers(p);
	for (int i = 1; i < p->n; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->threads);
	free(p);
}

int tp_threads(const struct threadpool *p) { return p->n; }

void tp_run(struct threadpool *p, tp_fn fn, void *ctx)
{
	if (p->n == 1) {
		fn(ctx, 0, 1);
		return;
	}
	p->fn = fn;
	p->ctx = ctx;
	atomic_store_explicit(&p->pending, p->n - 1, memory_order_release);
	wake_workers(p);
	fn(ctx, 0, p->n);
	for (int spins = 0; atomic_load_explicit(&p->pending, memory_order_acquire) > 0; spins++) {
		if (spins < SPIN_WAIT)
			cpu_relax();
		else
			sched_yield();
	}
}

void tp_split(long total, long align, int ith, int nth, long *lo, long *hi)
{
	if (align < 1)
		align = 1;
	long blocks = (total + align - 1) / align;
	long b0 = blocks * ith / nth, b1 = blocks * (ith + 1) / nth;
	*lo = MIN(b0 * align, total);
	*hi = MIN(b1 * align, total);
}
