/* gen.h: the LLVM kernel generator: builds, with the LLVM-C builder API, one function per kernel
 * spec with the kernel_fn signature (kernel/kernel.h), M, K and every tile size as constants.
 * requires: llvm */
#ifndef TRIT_GEN_H
#define TRIT_GEN_H

#include <llvm-c/Core.h>

#include "base/util.h"
#include "kernel/kernel.h"

/* the generator's version; part of every cache key: bump it whenever emitted code changes */
#define TRIT_GEN_VERSION 5

/* adds to m a function `name` computing s (legal, ISA checked by the caller) with signature
 * void name(const struct kernel_args *); returns 0, or -1 with a message */
int gen_emit(LLVMModuleRef m, const struct kernel_spec *s, const char *name, struct error *e);
/* the LLVM target features string (e.g. "+avx2,+avxvnni") a spec's ISA tier needs */
const char *gen_isa_features(enum isa i);

#endif
