/* emit_tl2.c: the TL2 LUT kernel (docs/kernels.md). NOT IMPLEMENTED YET: refuses with a message.
 * requires: llvm */
#include <llvm-c/Core.h>

#include "gen/emit.h"

int emit_tl2(struct emit *e, struct error *err)
{
	(void)e;
	return errorf(err, "the LLVM generator cannot emit tl2 kernels yet (not implemented)");
}
