/* tune.h: the kernel autotuner behind `trit tune`. For every distinct BitLinear shape of a model
 * and every batch class it searches kind × ISA tier × tile parameters (legal ones only), compiling,
 * verifying (bit-exact against ref_kernel) and timing each candidate in a child process, and
 * appends one record per measurement to the tuning log (tune/tunedb.h). Implemented by
 * candidates.c (what to measure) and search.c (the search), on trial.h (one measurement) and
 * sandbox.h (the child process). requires: llvm */
#ifndef TRIT_TUNE_H
#define TRIT_TUNE_H

#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include "base/cpu.h"
#include "base/log.h"
#include "base/util.h"
#include "ir/ir.h"
#include "kernel/model_specs.h"
#include "tune/tunedb.h"

/* where a tuning run stands */
struct tune_progress {
	int keys, keys_done, candidates, errors;
	int32_t m, k, n;            /* the key being tuned */
	double best_score;          /* its best score so far, seconds; <= 0 = none yet */
	enum kernel_kind best_kind;
	double seconds_left;        /* of the budget */
	int key_done;               /* 1: this key is finished (its line goes to out next) */
};

struct tune_options {
	double budget;              /* seconds for the whole run */
	int32_t batches[MAX_LIST];  /* batch classes (1 = GEMV, the prefill tile) */
	int nbatches;
	enum kernel_kind kinds[KIND_COUNT];
	int nkinds;
	double candidate_timeout;   /* seconds one candidate may take (compile + verify + time) */
	int reps;                   /* DRAM windows = reps (2..8), L2 calls = 4 x reps (<= 32);
	                             * the fastest of each is kept (tune/kmeasure.h) */
	const struct tune_site *site; /* the records' directory and the CPU tuned for */
	const char *records;        /* log path; NULL = the site's records.jsonl (and best.tsv rebuilt) */
	const volatile sig_atomic_t *stop; /* set (by the caller's SIGINT handler) to stop early, keeping
	                             * what was measured; NULL = never */
	int crash_test;             /* 1: the first candidate's child dies of SIGSEGV before measuring,
	                             * to check the isolation (TRIT_TUNE_CRASH_TEST) */
	FILE *out;                  /* one line per shape and batch class; NULL = none */
	/* called after each candidate and as each key ends (p->key_done); NULL = none */
	void (*progress)(void *user, const struct tune_progress *p);
	void *progress_user;
	struct log_sink log;        /* warnings: a record that could not be written */
};

/* what one tuning run did */
struct tune_summary {
	int keys, keys_done, candidates, errors;
	int interrupted;            /* *stop was set: the run ended early */
	double seconds;
};

/* ---- candidates.c ---- */

/* The candidates worth measuring first for one shape, the default spec first (whatever the kinds:
 * it is the yardstick): the default, its
 * software-prefetch variants, the bm of the one-thread heuristic, the other kinds' and ISA tiers'
 * defaults. All are legal and their ISA is available on c. Returns the count written to out (at
 * most max). */
int tune_seed_candidates(int32_t m, int32_t k, int32_t n, const enum kernel_kind *kinds, int nkinds,
                         const struct cpu_info *c, struct kernel_spec *out, int max);
/* the legal neighbours of s that change one knob (isa, rb, prefetch, bm, bk, unroll); bm stays
 * small enough for two row tiles per physical core (the runtime splits rows by tiles) */
int tune_neighbours(const struct kernel_spec *s, const struct cpu_info *c, struct kernel_spec *out, int max);
/* 1 when a and b are the same spec (the same spec_format text) */
int tune_same_spec(const struct kernel_spec *a, const struct kernel_spec *b);

/* ---- search.c ---- */

/* fills o with the defaults: 60 s, batches 1 and 64, every kind, 20 s per candidate, 5 reps, no
 * crash test */
void tune_default_options(struct tune_options *o);
/* the distinct (m, k) shapes of a model's linears; returns the count */
int tune_model_shapes(const struct model_desc *m, int32_t (*shapes)[2], int max);
/* tunes every shape × batch class of m within o->budget, single thread (tune/kmeasure.h): the
 * default spec is always measured first and kept unless a candidate tune_beats_default; a line
 * per key goes to o->out, progress to o->progress; nothing is printed otherwise.
 * Returns 0 (also when interrupted: what was measured is kept) or -1 with a message. */
int tune_model(const struct model_desc *m, const struct tune_options *o, struct tune_summary *sum,
               struct error *e);

#endif
