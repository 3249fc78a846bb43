/* kmeasure.h: timing one BitLinear kernel on one thread, the same way for `trit tune` (tune/search.c)
 * and `trit bench --kernels` (tune/kbench.c), so the tuner ranks kernels under the
 * conditions the bench reports:
 *   L2:   rows [0, R) of the matrix, R the most whole row tiles (bm) whose packed weights fit in
 *         km_l2_budget(); a warm-up call, then `reps` calls, the fastest kept.
 *   DRAM: calls over the whole matrix cycling round-robin through copies of its packed weights
 *         totalling km_dram_total() (> L3), so every call reads weights no cache holds; `reps`
 *         windows of calls lasting >= min_seconds each, the fastest window kept.
 * Both are reported as seconds per whole-matrix call (the L2 time scaled by m / R), so they
 * compare across specs whose L2 slices differ. No LLVM here. */
#ifndef TRIT_KMEASURE_H
#define TRIT_KMEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "base/cpu.h"
#include "kernel/kernel.h"

/* a kernel under test: the JIT'd entry fn, or else call(s, a) (ref_kernel, avx2_i2s_kernel) */
struct km_kernel {
	struct kernel_spec s;
	kernel_fn fn;
	void (*call)(const struct kernel_spec *s, const struct kernel_args *a);
};

/* copies of one packed matrix (one kind's layout; tiles do not change it) */
struct km_copies {
	uint8_t *w;
	size_t psize;  /* bytes of one copy */
	int copies;
	int next;      /* the copy the next DRAM call reads: the least recently read one */
	enum kernel_kind kind;
};

/* half of c's L2 (1 MiB when unknown): the L2 slice's byte budget */
size_t km_l2_budget(const struct cpu_info *c);
/* max(2.5 x L3, 256 MiB): the DRAM copies' total (L3 taken as 32 MiB when unknown) */
size_t km_dram_total(const struct cpu_info *c);
/* packs the m x k ternary matrix t for s->kind once and replicates it into at least
 * ceil(total / pack_size) copies (one when total is 0); huge pages where the kernel gives them */
void km_copies_make(struct km_copies *c, const struct kernel_spec *s, const int8_t *t, size_t total);
void km_copies_free(struct km_copies *c);
/* R of the L2 slice of s within budget bytes (a multiple of bm, at least bm, at most m) */
int32_t km_l2_rows(const struct kernel_spec *s, size_t budget);
/* seconds per whole-matrix call with the L2 slice of rows [0, rows) of weights w (one copy),
 * activations x (s.n tokens of s.k); fastest of reps calls after a warm-up call; times[] (may be
 * NULL) gets each call's figure */
double km_time_l2(const struct km_kernel *k, const uint8_t *w, const int8_t *x, int32_t rows, int reps,
                  double *times);
/* the copy of c to time the L2 slice on: the last one, which the DRAM round-robin reaches last */
const uint8_t *km_l2_copy(const struct km_copies *c);
/* seconds per whole-matrix call with weights from DRAM (round-robin over c, advancing c->next);
 * fastest of reps windows of >= min_seconds (and >= 2 calls) each; times[] (may be NULL) gets
 * each window's figure */
double km_time_dram(const struct km_kernel *k, struct km_copies *c, const int8_t *x, int reps,
                    double min_seconds, double *times);

#endif
