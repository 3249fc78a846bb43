#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "base/util.h"
#include "tune/membw.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86 1
#endif

struct part {
	const uint8_t *p;
	size_t n, ahead;
	pthread_barrier_t *start;
	double seconds;
	uint64_t sum;
};

/* sums with scalar loads into 8 independent accumulators */
static uint64_t sum_scalar(const uint8_t *p, size_t bytes, size_t ahead)
{
	const uint64_t *q = (const uint64_t *)p;
	uint64_t s[8] = {0};
	for (size_t i = 0; i + 8 <= bytes / 8; i += 8) {
		if (ahead)
			__builtin_prefetch((const uint8_t *)(q + i) + ahead);
		for (int j = 0; j < 8; j++)
			s[j] += q[i + j];
	}
	return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

#ifdef HAVE_X86
/* sums with AVX2 loads into 8 independent accumulators, 256 bytes per step */
__attribute__((target("avx2"))) static uint64_t sum_avx2(const uint8_t *p, size_t bytes, size_t ahead)
{
	__m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
	for (size_t i = 0; i + 256 <= bytes; i += 256) {
		if (ahead)
			for (int l = 0; l < 256; l += 64)
				_mm_prefetch((const char *)p + i + ahead + l, _MM_HINT_T0);
		const __m256i *v = (const __m256i *)(p + i);
		a0 = _mm256_add_epi64(a0, _mm256_load_si256(v + 0));
		a1 = _mm256_add_epi64(a1, _mm256_load_si256(v + 1));
		a2 = _mm256_add_epi64(a2, _mm256_load_si256(v + 2));
		a3 = _mm256_add_epi64(a3, _mm256_load_si256(v + 3));
		a4 = _mm256_add_epi64(a4, _mm256_load_si256(v + 4));
		a5 = _mm256_add_epi64(a5, _mm256_load_si256(v + 5));
		a6 = _mm256_add_epi64(a6, _mm256_load_si256(v + 6));
		a7 = _mm256_add_epi64(a7, _mm256_load_si256(v + 7));
	}
	a0 = _mm256_add_epi64(_mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)),
	                      _mm256_add_epi64(_mm256_add_epi64(a4, a5), _mm256_add_epi64(a6, a7)));
	uint64_t lanes[4];
	_mm256_storeu_si256((__m256i *)lanes, a0);
	return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#endif

static int use_avx2(void)
{
#ifdef HAVE_X86
	return __builtin_cpu_supports("avx2");
#else
	return 0;
#endif
}

const char *membw_how(void) { return use_avx2() ? "AVX2 loads, 8 accumulators" : "scalar loads, 8 accumulators"; }

static void *run_part(void *arg)
{
	struct part *pt = arg;
	pthread_barrier_wait(pt->start);
	double t0 = now_seconds();
#ifdef HAVE_X86
	if (use_avx2())
		pt->sum = sum_avx2(pt->p, pt->n, pt->ahead);
	else
#endif
		pt->sum = sum_scalar(pt->p, pt->n, pt->ahead);
	pt->seconds = now_seconds() - t0;
	return NULL;
}

double membw_read_gbs(size_t bytes, int threads, int reps, size_t ahead)
{
	if (threads < 1)
		threads = 1;
	size_t huge = (size_t)2 << 20, per = bytes / (size_t)threads / 4096 * 4096;
	size_t alloc = (per * (size_t)threads + huge - 1) / huge * huge;
	uint8_t *buf = xaligned_alloc(huge, alloc);
#ifdef MADV_HUGEPAGE
	madvise(buf, alloc, MADV_HUGEPAGE);
#endif
	for (size_t i = 0; i + 8 <= alloc; i += 8)
		*(uint64_t *)(buf + i) = i;
	struct part *parts = xcalloc((size_t)threads, sizeof(*parts));
	pthread_t *tids = xcalloc((size_t)threads, sizeof(*tids));
	pthread_barrier_t start;
	double best = 0;
	volatile uint64_t sink = 0;
	for (int r = 0; r < (reps < 1 ? 1 : reps); r++) {
		pthread_barrier_init(&start, NULL, (unsigned)threads);
		for (int i = 0; i < threads; i++) {
			parts[i] = (struct part){buf + (size_t)i * per, per, ahead, &start, 0, 0};
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
		if (gbs > best)
			best = gbs;
	}
	(void)sink;
	free(tids);
	free(parts);
	free(buf);
	return best;
}
