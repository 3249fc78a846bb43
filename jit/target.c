/* target.c: LLVM target machines for the host and foreign triples; which ISA fits which triple
 * comes from the families of ir/isa.def. requires: llvm */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>

#include "jit/target.h"

static pthread_once_t llvm_once = PTHREAD_ONCE_INIT;

static void init_all(void)
{
	LLVMInitializeAllTargetInfos();
	LLVMInitializeAllTargets();
	LLVMInitializeAllTargetMCs();
	LLVMInitializeAllAsmPrinters();
}

void target_init_llvm(void)
{
	pthread_once(&llvm_once, init_all);
}

/* copies an LLVM-owned message into our heap and disposes it */
static char *take_message(char *m)
{
	char *s = xstrdup(m ? m : "");
	LLVMDisposeMessage(m);
	return s;
}

static int create_tm(struct target *t, struct error *e)
{
	LLVMTargetRef T;
	char *msg = NULL;
	if (LLVMGetTargetFromTriple(t->triple, &T, &msg)) {
		errorf(e, "target %s: %s", t->triple, msg ? msg : "unknown triple");
		LLVMDisposeMessage(msg);
		return -1;
	}
	t->tm = LLVMCreateTargetMachine(T, t->triple, t->cpu, t->features, LLVMCodeGenLevelAggressive,
	                                LLVMRelocPIC, LLVMCodeModelSmall);
	if (!t->tm)
		return errorf(e, "LLVM cannot create a target machine for %s (cpu %s)", t->triple, t->cpu);
	return 0;
}

int target_host(struct target *t, struct error *e)
{
	target_init_llvm();
	memset(t, 0, sizeof(*t));
	char *def = LLVMGetDefaultTargetTriple();
	t->triple = take_message(LLVMNormalizeTargetTriple(def));
	LLVMDisposeMessage(def);
	t->cpu = take_message(LLVMGetHostCPUName());
	t->features = take_message(LLVMGetHostCPUFeatures());
	t->host = 1;
	if (create_tm(t, e) < 0) {
		target_free(t);
		return -1;
	}
	return 0;
}

int target_foreign(struct target *t, const char *triple, const char *cpu, const char *features,
                   struct error *e)
{
	target_init_llvm();
	memset(t, 0, sizeof(*t));
	if (triple && *triple) {
		t->triple = take_message(LLVMNormalizeTargetTriple(triple));
	} else {
		char *def = LLVMGetDefaultTargetTriple();
		t->triple = take_message(LLVMNormalizeTargetTriple(def));
		LLVMDisposeMessage(def);
	}
	t->cpu = xstrdup(cpu && *cpu ? cpu : "generic");
	t->features = xstrdup(features ? features : "");
	if (create_tm(t, e) < 0) {
		target_free(t);
		return -1;
	}
	return 0;
}

void target_free(struct target *t)
{
	if (t->tm)
		LLVMDisposeTargetMachine(t->tm);
	free(t->triple);
	free(t->cpu);
	free(t->features);
	memset(t, 0, sizeof(*t));
}

int target_is_x86(const struct target *t)
{
	return isa_family_covers(FAMILY_X86_64, t->triple);
}

int target_is_aarch64(const struct target *t)
{
	return isa_family_covers(FAMILY_AARCH64, t->triple);
}

int target_supports_isa(const struct target *t, enum isa i, struct error *e)
{
	const struct isa_info *r = isa_info(i);
	if (!r || !isa_family_covers(r->family, t->triple))
		return errorf(e, "kernels for isa=%s cannot be generated for target %s", isa_name(i), t->triple);
	return 0;
}
