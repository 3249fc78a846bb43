#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "gen/gen.h"
#include "jit/compile.h"

int compile_check(const struct kernel_spec *s, const struct target *t, const struct cpu_info *cpu,
                  struct error *e)
{
	if (spec_legal(s, e) < 0)
		return -1;
	if (target_supports_isa(t, s->isa, e) < 0)
		return -1;
	if (cpu && !isa_available(s->isa, cpu))
		return errorf(e, "kernel needs %s, which this CPU lacks", isa_name(s->isa));
	return 0;
}

int compile_optimize(LLVMModuleRef m, const struct target *t, struct error *e)
{
	LLVMPassBuilderOptionsRef o = LLVMCreatePassBuilderOptions();
	LLVMPassBuilderOptionsSetLoopVectorization(o, 1);
	LLVMPassBuilderOptionsSetSLPVectorization(o, 1);
	LLVMPassBuilderOptionsSetLoopUnrolling(o, 1);
	LLVMErrorRef err = LLVMRunPasses(m, "default<O3>", t->tm, o);
	LLVMDisposePassBuilderOptions(o);
	if (err) {
		char *msg = LLVMGetErrorMessage(err);
		errorf(e, "LLVM optimisation failed: %s", msg);
		LLVMDisposeErrorMessage(msg);
		return -1;
	}
	return 0;
}

LLVMModuleRef compile_module(LLVMContextRef ctx, const struct target *t, const struct kernel_spec *s,
                             const char *name, int optimize, struct error *e)
{
	LLVMModuleRef m = LLVMModuleCreateWithNameInContext(name, ctx);
	LLVMSetTarget(m, t->triple);
	LLVMTargetDataRef td = LLVMCreateTargetDataLayout(t->tm);
	LLVMSetModuleDataLayout(m, td);
	LLVMDisposeTargetData(td);
	if (gen_emit(m, s, name, e) < 0) {
		LLVMDisposeModule(m);
		return NULL;
	}
	char *msg = NULL;
	if (LLVMVerifyModule(m, LLVMReturnStatusAction, &msg)) {
		errorf(e, "the generator produced invalid IR for %s: %s", name, msg ? msg : "?");
		LLVMDisposeMessage(msg);
		LLVMDisposeModule(m);
		return NULL;
	}
	LLVMDisposeMessage(msg);
	if (optimize && compile_optimize(m, t, e) < 0) {
		LLVMDisposeModule(m);
		return NULL;
	}
	return m;
}

int compile_emit(LLVMModuleRef m, const struct target *t, LLVMCodeGenFileType type, void **out,
                 size_t *len, struct error *e)
{
	char *msg = NULL;
	LLVMMemoryBufferRef buf;
	if (LLVMTargetMachineEmitToMemoryBuffer(t->tm, m, type, &msg, &buf)) {
		errorf(e, "LLVM code generation for %s failed: %s", t->triple, msg ? msg : "?");
		LLVMDisposeMessage(msg);
		return -1;
	}
	*len = LLVMGetBufferSize(buf);
	*out = xmalloc(*len + 1);
	memcpy(*out, LLVMGetBufferStart(buf), *len);
	((char *)*out)[*len] = 0;
	LLVMDisposeMemoryBuffer(buf);
	return 0;
}

int compile_object(const struct target *t, const struct kernel_spec *s, const char *name, void **obj,
                   size_t *len, struct error *e)
{
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef m = compile_module(ctx, t, s, name, 1, e);
	int r = m ? compile_emit(m, t, LLVMObjectFile, obj, len, e) : -1;
	if (m)
		LLVMDisposeModule(m);
	LLVMContextDispose(ctx);
	return r;
}
