/* compile.h: spec → LLVM module (gen_emit) → default<O3> → object or assembly, for a target.
 * Every compile uses its own LLVMContext, so compiles on different threads do not share state
 * (each thread needs its own struct target too). requires: llvm */
#ifndef TRIT_JIT_COMPILE_H
#define TRIT_JIT_COMPILE_H

#include <stddef.h>

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "base/cpu.h"
#include "base/util.h"
#include "kernel/kernel.h"
#include "jit/target.h"

/* refuses, before LLVM sees it, a spec that is illegal, whose ISA t's architecture lacks, or
 * (when cpu is not NULL) whose ISA that CPU lacks: "kernel needs avx512vnni, which this CPU lacks" */
int compile_check(const struct kernel_spec *s, const struct target *t, const struct cpu_info *cpu,
                  struct error *e);
/* a new module in ctx holding function `name` for s, with t's triple and data layout, optimised
 * with default<O3> when optimize is set; NULL with a message */
LLVMModuleRef compile_module(LLVMContextRef ctx, const struct target *t, const struct kernel_spec *s,
                             const char *name, int optimize, struct error *e);
/* runs default<O3> over m with t's target machine */
int compile_optimize(LLVMModuleRef m, const struct target *t, struct error *e);
/* emits m as an object (LLVMObjectFile) or assembly (LLVMAssemblyFile) into a malloc'd buffer */
int compile_emit(LLVMModuleRef m, const struct target *t, LLVMCodeGenFileType type, void **out,
                 size_t *len, struct error *e);
/* the whole pipeline for one kernel: a malloc'd object file defining `name` */
int compile_object(const struct target *t, const struct kernel_spec *s, const char *name, void **obj,
                   size_t *len, struct error *e);

#endif
