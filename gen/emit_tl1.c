/* emit_tl1.c: the TL1 LUT kernel (docs/kernels.md). NOT IMPLEMENTED YET: refuses with a message.
 * requires: llvm */
#include <llvm-c/Core.h>

#include "gen/emit.h"

int emit_tl1(struct emit *e, struct error *err)
{
	(void)e;
	return errorf(err, "the LLVM generator cannot emit tl1 kernels yet (not implemented)");
}
