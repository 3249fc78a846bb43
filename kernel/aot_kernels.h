/* aot_kernels.h: kernels compiled ahead of time by `trit aot` and linked into the program.
 * The object `trit aot` writes defines the table below; when no such object is linked, the weak
 * references resolve to NULL and every lookup misses, so LLVM-less builds always link. */
#ifndef TRIT_AOT_KERNELS_H
#define TRIT_AOT_KERNELS_H

#include <stdint.h>

#include "kernel/kernel.h"

/* one kernel of an AOT object: its canonical spec string (spec_format) and its code */
struct aot_kernel {
	const char *spec;
	kernel_fn fn;
};

/* the symbols an AOT object defines */
#define AOT_TABLE_SYMBOL "trit_aot_table"
#define AOT_COUNT_SYMBOL "trit_aot_count"

/* the AOT kernel for s, or NULL when no linked object has it */
kernel_fn aot_lookup(const struct kernel_spec *s);
/* the number of AOT kernels linked into this program (0 without an AOT object) */
int aot_count(void);
/* the i-th linked AOT kernel (0 <= i < aot_count()) */
const struct aot_kernel *aot_at(int i);

#endif
