/* trial.h: one trial of the tuner: a candidate spec, or a duel of two, compiled, checked bit-exact
 * against the reference and timed on one thread by tune/kmeasure.h, in a sandbox (sandbox.h), on
 * one shape's fixed inputs, which the parent makes once and the children share through fork. */
#ifndef TRIT_TRIAL_H
#define TRIT_TRIAL_H

#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"
#include "tune/kmeasure.h"
#include "tune/sandbox.h"
#include "tune/tunedb.h"

#define VERIFY_TOKENS 4

/* one shape's fixed inputs */
struct shape_data {
	int32_t m, k, n;
	int8_t *t;                         /* m×k ternary */
	int8_t *x;                         /* n×k activations in [-127, 127] */
	struct km_copies copies[KIND_COUNT]; /* per kind, made on first use (layouts do not depend on tiles) */
	size_t dram_total;                 /* bytes of copies per kind */
	int vtok[VERIFY_TOKENS], nvtok;
	int32_t *ref;                      /* nvtok×m reference outputs of tokens vtok[] */
};

/* what a trial measured of one spec */
struct one_result {
	int ok;
	double l2, dram;              /* seconds per whole-matrix call (tune/kmeasure.h) */
	int nl2, ndram;
	double l2_reps[TUNE_MAX_REPS], dram_reps[TUNE_MAX_REPS];
	char error[256];
};

/* what a trial's child sends back */
struct child_result {
	struct one_result r[2];       /* per spec measured */
	int next[2];                  /* the copies' round-robin positions after the DRAM windows */
};

/* a random m×k ternary matrix from seed; copies of dram_total bytes per kind are made on use */
void shape_make(struct shape_data *d, int32_t m, int32_t k, uint64_t seed, size_t dram_total);
/* random n×k activations from seed and the reference outputs of the tokens verified */
void shape_set_batch(struct shape_data *d, int32_t n, uint64_t seed);
/* frees what shape_make and shape_set_batch made */
void shape_free(struct shape_data *d);
/* measures ns (1 or 2) specs of d on the site's CPU (compiled into its cache) in sb, reps as in
 * tune_options (two are timed in turns); 0 with r filled (ok or an error per spec), -1 when sb's
 * stop was set (nothing to record) */
int trial_measure(const struct tune_site *site, const struct kernel_spec *s, int ns, struct shape_data *d, int reps,
                  const struct sandbox *sb, struct child_result *r);

#endif
