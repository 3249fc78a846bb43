#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/util.h"
#include "bench/membw.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86 1
#endif

#define PREFETCH_AHEAD 4096

struct part {
	uint8_t *p;
	size_t n;
	int touch;
	pthread_barrier_t *start;
	double seconds;
	uint64_t sum;
};

static uint64_t sum_scalar(const uint8_t *p, size_t n)
{
	const uint64_t *q = (const uint64_t *)p;
	uint64_t s[8] = {0};
	for (size_t i = 0; i + 8 <= n / 8; i += 8) {
		__builtin_prefetch(p + i * 8 + PREFETCH_AHEAD);
		for (int k = 0; k < 8; k++)
			s[k] += q[i + k];
	}
	return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

#ifdef HAVE_X86
__attribute__((target("avx2"))) static uint64_t sum_avx2(const uint8_t *p, size_t n)
{
	__m256i a[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
	for (size_t i = 0; i + 128 <= n; i += 128) {
		_mm_prefetch((const char *)p + i + PREFETCH_AHEAD, _MM_HINT_T0);
		_mm_prefetch((const char *)p + i + PREFETCH_AHEAD + 64, _MM_HINT_T0);
		for (int k = 0; k < 4; k++)
			a[k] = _mm256_add_epi64(a[k], _mm256_load_si256((const __m256i *)(p + i + 32 * k)));
	}
	__m256i t = _mm256_add_epi64(_mm256_add_epi64(a[0], a[1]), _mm256_add_epi64(a[2], a[3]));
	uint64_t o[4];
	_mm256_storeu_si256((__m256i *)o, t);
	return o[0] + o[1] + o[2] + o[3];
}
#endif

static void *run_part(void *arg)
{
	struct part *pt = arg;
	if (pt->touch)
		for (size_t i = 0; i < pt->n; i += 4096)
			pt->p[i] = (uint8_t)i;
	pthread_barrier_wait(pt->start);
	double t0 = now_seconds();
#ifdef HAVE_X86
	if (__builtin_cpu_supports("avx2"))
		pt->sum = sum_avx2(pt->p, pt->n);
	else
#endif
		pt->sum = sum_scalar(pt->p, pt->n);
	pt->seconds = now_seconds() - t0;
	return NULL;
}

double membw_read_gbs(size_t bytes, int threads, int reps)
{
	if (threads < 1)
		threads = 1;
	size_t per = bytes / (size_t)threads / 4096 * 4096;
	uint8_t *buf = xaligned_alloc(4096, per * (size_t)threads + 4096);
	struct part *parts = xcalloc((size_t)threads, sizeof(*parts));
	pthread_t *tids = xcalloc((size_t)threads, sizeof(*tids));
	pthread_barrier_t start;
	double best = 0;
	volatile uint64_t sink = 0;
	for (int r = 0; r <= reps; r++) { /* pass 0 touches the pages (each thread its own) and is not timed */
		pthread_barrier_init(&start, NULL, (unsigned)threads);
		for (int i = 0; i < threads; i++) {
			parts[i] = (struct part){buf + (size_t)i * per, per, r == 0, &start, 0, 0};
			if (i > 0 && pthread_create(&tids[i], NULL, run_part, &parts[i]) != 0)
				die("cannot start a bandwidth thread");
		}
		run_part(&parts[0]);
		double slowest = parts[0].seconds;
		for (int i = 1; i < threads; i++) {
			pthread_join(tids[i], NULL);
			if (parts[i].seconds > slowest)
				slowest = parts[i].seconds;
		}
		for (int i = 0; i < threads; i++)
			sink += parts[i].sum;
		pthread_barrier_destroy(&start);
		double gbs = (double)per * (double)threads / slowest / 1e9;
		if (r > 0 && gbs > best)
			best = gbs;
	}
	(void)sink;
	free(tids);
	free(parts);
	free(buf);
	return best;
}
