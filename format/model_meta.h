/* model_meta.h: the mapping between a GGUF file's metadata keys and a model description
 * (the exact key names real files use, per architecture). */
#ifndef TRIT_MODEL_META_H
#define TRIT_MODEL_META_H

#include "ir/ir.h"
#include "format/gguf.h"

/* fills m from g's metadata ("ARCH.embedding_length", ...) and its tensor shapes; errors name the
 * missing or inconsistent key */
int model_desc_from_gguf(const struct gguf *g, struct model_desc *m, struct error *e);
/* the model description of a .gguf file (its metadata) or of an IR file (a models/ .trit file); errors name
 * the file */
int model_desc_load(const char *path, struct model_desc *m, struct error *e);
/* writes m's hyper-parameters as GGUF keys with the names the real files use */
void model_desc_to_gguf(const struct model_desc *m, struct gguf_writer *w);

#endif
