/* t_threadpool.c: tp_for covers every unit exactly once, for any total, chunk and thread count, over
 * many back-to-back runs (workers joining late must never touch a finished run), and finishes when
 * a worker is slow (the others take its chunks). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/threadpool.h"
#include "tests/test.h"

struct cover {
	atomic_int *hits;
	long total, chunk;
	atomic_int bad; /* chunks with wrong bounds */
	int slow_thread; /* this thread sleeps in every chunk it takes (-1: none) */
	atomic_int by_thread[4];
};

static void count(void *ctx, long lo, long hi, int ith)
{
	struct cover *c = ctx;
	if (lo % c->chunk != 0 || hi <= lo || hi > c->total || (hi - lo != c->chunk && hi != c->total))
		atomic_fetch_add(&c->bad, 1);
	for (long i = lo; i < hi && i < c->total; i++)
		atomic_fetch_add(&c->hits[i], 1);
	atomic_fetch_add(&c->by_thread[ith], 1);
	if (ith == c->slow_thread) {
		struct timespec ts = {0, 20000000};
		nanosleep(&ts, NULL);
	}
}

static int covered_once(struct cover *c)
{
	for (long i = 0; i < c->total; i++)
		if (atomic_load(&c->hits[i]) != 1)
			return 0;
	return 1;
}

TEST(every_unit_once_for_any_shape)
{
	static const long totals[] = {1, 2, 3, 7, 64, 1000, 2560};
	static const long chunks[] = {1, 3, 16, 320, 5000};
	for (int n = 1; n <= 4; n++) {
		struct threadpool *p = tp_create(n);
		CHECK(tp_threads(p) == n);
		for (size_t ti = 0; ti < sizeof(totals) / sizeof(totals[0]); ti++)
			for (size_t ci = 0; ci < sizeof(chunks) / sizeof(chunks[0]); ci++) {
				struct cover c = {.total = totals[ti], .chunk = chunks[ci], .slow_thread = -1};
				c.hits = calloc((size_t)c.total, sizeof(atomic_int));
				tp_for(p, c.total, c.chunk, count, &c);
				CHECKF(covered_once(&c) && atomic_load(&c.bad) == 0, "threads %d total %ld chunk %ld", n, c.total,
				       c.chunk);
				free(c.hits);
			}
		tp_for(p, 0, 4, count, NULL); /* nothing to do: fn is not called */
		tp_destroy(p);
	}
}

TEST(many_back_to_back_runs)
{
	struct threadpool *p = tp_create(3);
	int ok = 1;
	for (int run = 0; run < 20000 && ok; run++) {
		struct cover c = {.total = 1 + run % 13, .chunk = 1 + run % 3, .slow_thread = -1};
		atomic_int hits[13];
		for (int i = 0; i < 13; i++)
			atomic_init(&hits[i], 0);
		c.hits = hits;
		tp_for(p, c.total, c.chunk, count, &c); /* c lives on this stack frame only for the run */
		ok = covered_once(&c) && atomic_load(&c.bad) == 0;
	}
	CHECK(ok);
	tp_destroy(p);
}

TEST(a_slow_thread_gives_its_share_away)
{
	struct threadpool *p = tp_create(2);
	struct cover c = {.total = 50, .chunk = 1, .slow_thread = 1};
	c.hits = calloc(50, sizeof(atomic_int));
	tp_for(p, c.total, c.chunk, count, &c);
	CHECK(covered_once(&c));
	/* the worker sleeps 20 ms per chunk it takes, so the caller does most of them */
	CHECKF(atomic_load(&c.by_thread[0]) > atomic_load(&c.by_thread[1]), "caller %d chunks, worker %d",
	       atomic_load(&c.by_thread[0]), atomic_load(&c.by_thread[1]));
	free(c.hits);
	tp_destroy(p);
}
