/* ffi_call.h: calls a function whose signature is known only from the LLVM IR that declares it,
 * through a libffi call interface prepared from the function's type. For the CLI and tests, never
 * for the runtime's hot loop (each call costs ~100 ns). requires: llvm */
#ifndef TRIT_JIT_FFI_CALL_H
#define TRIT_JIT_FFI_CALL_H

#include <llvm-c/Core.h>

#include "base/util.h"

struct ffi_sig;

/* a call interface for fn's IR type (parameters: pointers, i8..i64, float, double; return: those
 * or void); NULL with a message for a type libffi cannot express */
struct ffi_sig *ffi_sig_from_function(LLVMValueRef fn, struct error *e);
/* number of parameters of the signature */
int ffi_sig_nargs(const struct ffi_sig *s);
/* calls code through the interface: args[i] points to the i-th argument's value, ret receives the
 * result (at least 8 bytes; may be NULL for void) */
void ffi_sig_call(const struct ffi_sig *s, void *code, void **args, void *ret);
/* frees the interface */
void ffi_sig_free(struct ffi_sig *s);

#endif
