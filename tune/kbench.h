/* kbench.h: the kernel benchmark of `trit bench --kernels`: per shape and batch, the generated
 * kernels (tuned and default specs) against the scalar and hand-written AVX2 references, timed by
 * kmeasure.h in L2 and from DRAM against the measured read bandwidth; a report of tables and
 * target verdicts, and optionally a CSV and an SVG chart. requires: llvm (kbench.c) */
#ifndef TRIT_KBENCH_H
#define TRIT_KBENCH_H

#include <stdio.h>

#include "base/cpu.h"
#include "base/util.h"
#include "tune/tunedb.h"

struct jit;

struct kbench_options {
	int reps;                   /* repetitions of the L2 runs */
	int quick;                  /* one small shape and tiny buffers (a smoke test) */
	const char *csv, *plot;     /* files to write, or NULL */
	struct jit *jit;            /* compiles the generated kernels */
	const struct tune_site *site; /* the CPU the kernels are chosen for (features may be masked) */
	struct tune_table *records; /* tuned specs, or NULL (the tuned rows say "not tuned") */
};

/* measures and writes the report to out, then the CSV and SVG files; -1 with a message when a file
 * cannot be written */
int kbench_run(const struct kbench_options *o, FILE *out, struct error *e);

#endif
