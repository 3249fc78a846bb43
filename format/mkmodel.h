/* mkmodel.h: seeded random models for any architecture, written with exactly the metadata keys
 * and tensor names of real files (those of the published BitNet b1.58 2B4T GGUF, per architecture). */
#ifndef TRIT_MKMODEL_H
#define TRIT_MKMODEL_H

#include <stdint.h>

#include "base/util.h"
#include "ir/ir.h"

struct mkmodel_opts {
	struct model_desc model; /* validated dimensions (overrides applied) */
	uint32_t type;           /* storage type of the ternary tensors (F16, I2_S, TQ2_0, TQ1_0, F32, BF16) */
	uint32_t embd_type;      /* storage type of token_embd (and output when untied) */
	uint64_t seed;
	const char *vocab_from;  /* a GGUF file whose tokenizer.* keys are copied, or NULL */
};

/* the llama_ftype number real files carry in general.file_type for this ternary type (bitnet.cpp's
 * numbering: I2_S = 40) */
uint32_t mkmodel_file_type(uint32_t type);
/* checks that every tensor of the model can be stored in the requested types; -1 names the first
 * tensor that cannot and why */
int mkmodel_check(const struct mkmodel_opts *o, struct error *e);
/* generates the model and writes it to path through a temp file; the same options always give
 * the same bytes. Ternary weights: absmean ternarization of Gaussian weights, drawn directly from
 * its distribution (31% zeros); one scale per tensor, exactly representable in f16 and bf16. */
int mkmodel_write(const struct mkmodel_opts *o, const char *path, struct error *e);

#endif
