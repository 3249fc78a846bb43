/* target.h: LLVM target machines for the host (JIT) and for foreign triples/CPUs (AOT, trit gen),
 * with the strings that go into cache keys. requires: llvm */
#ifndef TRIT_JIT_TARGET_H
#define TRIT_JIT_TARGET_H

#include <llvm-c/TargetMachine.h>

#include "base/util.h"
#include "ir/ir.h"

struct target {
	LLVMTargetMachineRef tm;
	char *triple;   /* normalised, e.g. "x86_64-pc-linux-gnu" */
	char *cpu;      /* e.g. "rocketlake", "cortex-a76" */
	char *features; /* the full feature string the TM was created with */
	int host;       /* 1 when this is the machine we run on */
};

/* initialises every LLVM target linked in (once per process, thread-safe) */
void target_init_llvm(void);
/* the host TM: default triple, host CPU name and features, PIC, small code model, -O3 codegen */
int target_host(struct target *t, struct error *e);
/* a TM for triple/cpu with features (NULL or "" = the CPU's defaults); a NULL triple means the
 * host's, a NULL cpu "generic" */
int target_foreign(struct target *t, const char *triple, const char *cpu, const char *features,
                   struct error *e);
/* frees the TM and strings */
void target_free(struct target *t);
/* 1 when the target's architecture is x86-64 / AArch64 (the ir/isa.def families' triple prefixes) */
int target_is_x86(const struct target *t);
int target_is_aarch64(const struct target *t);
/* 0 when kernels of ISA tier i can be generated for t's architecture (t's triple is in the family
 * of i's ir/isa.def row), else -1 with a message */
int target_supports_isa(const struct target *t, enum isa i, struct error *e);

#endif
