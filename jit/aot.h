/* aot.h: ahead-of-time kernel objects. One object holds every kernel of a list of specs (symbols
 * trit_k_<16 hex of the key>) and a table {canonical spec, function} named trit_aot_table with
 * its length trit_aot_count (runtime/aot_kernels.h finds them); a header next to it declares the
 * same table for C code. Works for any target LLVM was built for. requires: llvm */
#ifndef TRIT_JIT_AOT_H
#define TRIT_JIT_AOT_H

#include "base/util.h"
#include "kernel/kernel.h"
#include "jit/target.h"

/* compiles specs[0..n) for t into obj_path and writes header_path; a spec is refused when t's
 * architecture lacks its ISA (or, for the host target, when cpu is given and lacks it).
 * Nothing is left half-written on failure. */
int aot_emit(const struct target *t, const struct cpu_info *cpu, const struct kernel_spec *specs,
             int n, const char *obj_path, const char *header_path, struct error *e);
/* the symbol name of spec s compiled for t (trit_k_ + 16 hex digits) */
void aot_symbol(const struct target *t, const struct kernel_spec *s, char out[24]);

#endif
