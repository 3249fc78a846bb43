/* kernel.h: the LLVM-free kernel core in one include: the kernel ABI (abi.h), activation
 * quantization (quant.h), legality, availability and default specs (spec.h), the weight layouts
 * (pack.h) and the scalar reference kernels (ref.h). The runtime links all of it without LLVM. */
#ifndef TRIT_KERNEL_H
#define TRIT_KERNEL_H

#include "kernel/abi.h"
#include "kernel/pack.h"
#include "kernel/quant.h"
#include "kernel/ref.h"
#include "kernel/spec.h"

#endif
