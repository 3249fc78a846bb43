/* model_specs.h: the kernel specs a model needs (every linear × kind × batch class), and the
 * "--kinds i2s,tl1" / "--batch 1,64" list syntax the CLI uses to ask for them. No LLVM here. */
#ifndef TRIT_JIT_MODEL_SPECS_H
#define TRIT_JIT_MODEL_SPECS_H

#include <stdint.h>

#include "base/cpu.h"
#include "base/log.h"
#include "base/util.h"
#include "kernel/kernel.h"
#include "ir/ir.h"

#define MAX_LIST 16

/* parses "i2s,tl1,tl2" into kinds; returns the count or -1 with a message */
int parse_kind_list(const char *s, enum kernel_kind *kinds, struct error *e);
/* parses "1,64" (positive integers) into v; returns the count or -1 with a message */
int parse_batch_list(const char *s, int32_t *v, struct error *e);

/* Default specs (spec_default with c's cache sizes) for every distinct linear shape of m, for each
 * kind and batch size. isa < 0 picks isa_best(kind, batch, c) per kind and batch. A kind that cannot
 * handle a shape is skipped with a warning to log unless it would leave nothing. Returns the count
 * (*out malloc'd) or -1. */
int model_kernel_specs(const struct model_desc *m, const enum kernel_kind *kinds, int nkinds,
                       const int32_t *batches, int nbatches, int isa, const struct cpu_info *c,
                       const struct log_sink *log, struct kernel_spec **out, struct error *e);

/* Parses a spec line in which fields may be omitted: isa → default_isa (or isa_best(kind, n, c) when
 * default_isa < 0), n → 1, tile fields → spec_default's. 0, or -1 with a message. */
int spec_from_text(const char *text, int default_isa, const struct cpu_info *c,
                   struct kernel_spec *s, struct error *e);
/* turns off in c the features named in list, comma-separated: CPU feature names (base/cpu_features.def,
 * e.g. "amx-int8") or ISA names (ir/isa.def: the feature that tier adds, e.g. "amx" = amx-int8);
 * 0, or -1 when a name is neither (the others still apply) */
int cpu_disable_list(struct cpu_info *c, const char *list, struct error *e);
/* cpu_disable_list on disable (NULL or "" = nothing), unknown names ignored */
void kernel_cpu_mask(struct cpu_info *c, const char *disable);

#endif
