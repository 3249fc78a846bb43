/* requires: llvm */
#include <stdlib.h>

#include <ffi.h>

#include "jit/ffi_call.h"

struct ffi_sig {
	ffi_cif cif;
	int nargs;
	ffi_type *ret;
	ffi_type **args;
};

/* the libffi type of one IR type, or NULL */
static ffi_type *ffi_type_of(LLVMTypeRef t)
{
	switch (LLVMGetTypeKind(t)) {
	case LLVMVoidTypeKind:
		return &ffi_type_void;
	case LLVMPointerTypeKind:
		return &ffi_type_pointer;
	case LLVMFloatTypeKind:
		return &ffi_type_float;
	case LLVMDoubleTypeKind:
		return &ffi_type_double;
	case LLVMIntegerTypeKind:
		switch (LLVMGetIntTypeWidth(t)) {
		case 8:
			return &ffi_type_sint8;
		case 16:
			return &ffi_type_sint16;
		case 32:
			return &ffi_type_sint32;
		case 64:
			return &ffi_type_sint64;
		default:
			return NULL;
		}
	default:
		return NULL;
	}
}

struct ffi_sig *ffi_sig_from_function(LLVMValueRef fn, struct error *e)
{
	LLVMTypeRef ft = LLVMGlobalGetValueType(fn);
	if (LLVMGetTypeKind(ft) != LLVMFunctionTypeKind) {
		errorf(e, "%s is not a function", LLVMGetValueName(fn));
		return NULL;
	}
	if (LLVMIsFunctionVarArg(ft)) {
		errorf(e, "%s is variadic; only fixed signatures can be called", LLVMGetValueName(fn));
		return NULL;
	}
	struct ffi_sig *s = xcalloc(1, sizeof(*s));
	s->nargs = (int)LLVMCountParamTypes(ft);
	s->ret = ffi_type_of(LLVMGetReturnType(ft));
	LLVMTypeRef *pt = xcalloc((size_t)s->nargs + 1, sizeof(*pt));
	LLVMGetParamTypes(ft, pt);
	s->args = xcalloc((size_t)s->nargs + 1, sizeof(*s->args));
	int bad = s->ret ? -1 : 0;
	for (int i = 0; i < s->nargs && bad < 0; i++)
		if (!(s->args[i] = ffi_type_of(pt[i])))
			bad = i + 1;
	free(pt);
	if (bad >= 0) {
		char *ts = LLVMPrintTypeToString(ft);
		errorf(e, "cannot call %s through libffi: %s of type %s is not supported",
		       LLVMGetValueName(fn), bad ? "a parameter" : "the return value", ts);
		LLVMDisposeMessage(ts);
		ffi_sig_free(s);
		return NULL;
	}
	if (ffi_prep_cif(&s->cif, FFI_DEFAULT_ABI, (unsigned)s->nargs, s->ret, s->args) != FFI_OK) {
		errorf(e, "libffi cannot prepare a call interface for %s", LLVMGetValueName(fn));
		ffi_sig_free(s);
		return NULL;
	}
	return s;
}

int ffi_sig_nargs(const struct ffi_sig *s)
{
	return s->nargs;
}

void ffi_sig_call(const struct ffi_sig *s, void *code, void **args, void *ret)
{
	ffi_arg scratch[2];
	ffi_call((ffi_cif *)&s->cif, FFI_FN(code), ret ? ret : scratch, args);
}

void ffi_sig_free(struct ffi_sig *s)
{
	if (!s)
		return;
	free(s->args);
	free(s);
}
