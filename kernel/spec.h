/* spec.h: which kernel specs are legal, which ISA tiers a CPU can run, and the default spec of a
 * shape for a CPU's caches. */
#ifndef TRIT_KERNEL_SPEC_H
#define TRIT_KERNEL_SPEC_H

#include "base/cpu.h"
#include "base/util.h"
#include "ir/ir.h"

/* 0 when the spec is legal for its kind (divisibility, int16-overflow bounds: TL1 bk <= 256,
 * TL2 bk <= 240, ...), else -1 with a message saying which constraint failed and what would pass */
int spec_legal(const struct kernel_spec *s, struct error *e);
/* 1 when a CPU with features c can run kernels of this ISA tier */
int isa_available(enum isa i, const struct cpu_info *c);
/* the best ISA tier of c for kernels of kind k taking n tokens per call: AMX for I2S batches (n > 1)
 * where c grants it, else the widest vector tier (ISA_SCALAR when no SIMD tier applies) */
enum isa isa_best(enum kernel_kind k, int32_t n, const struct cpu_info *c);
/* fills s with a legal spec for kind/isa/m/k/n whose tiles come from c's L1/L2 sizes;
 * -1 with a message when the kind cannot handle this shape at all */
int spec_default(struct kernel_spec *s, enum kernel_kind kind, enum isa isa, int32_t m, int32_t k,
                 int32_t n, const struct cpu_info *c, struct error *e);

#endif
