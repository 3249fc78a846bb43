/* tool_mkmodel.c: trit_mkmodel, a seeded random model for any architecture (format/mkmodel.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/internal.h"
#include "format/ggml_types.h"
#include "format/mkmodel.h"
#include "ir/ir.h"

void trit_mkmodel_options_default(trit_mkmodel_options *o)
{
	memset(o, 0, sizeof(*o));
	o->type = "i2_s";
	o->embd_type = "f16";
	o->seed = 1;
}

static int type_arg(const char *flag, const char *v, uint32_t *out, trit_error *err)
{
	int t = ggml_type_from_name(v);
	if (t < 0)
		return api_failf(err, TRIT_ERR_ARG, "mkmodel: %s: unknown type '%s' (see trit mkmodel --help)", flag, v);
	*out = (uint32_t)t;
	return 0;
}

/* fails unless the directory that will hold path is writable (checked before the long generation) */
static int check_writable(const char *path, trit_error *err)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	if (access(dir, W_OK) != 0)
		return api_failf(err, TRIT_ERR_IO, "mkmodel: cannot write '%s': directory '%s': %s", path, dir,
		                 strerror(errno));
	return 0;
}

int trit_mkmodel(const trit_mkmodel_options *opt, const char *path, trit_mkmodel_result *r, trit_error *err)
{
	trit_mkmodel_options def;
	if (!opt) {
		trit_mkmodel_options_default(&def);
		opt = &def;
	}
	if (!opt->description)
		return api_failf(err, TRIT_ERR_ARG,
		                 "mkmodel: missing the model description (e.g. models/tiny.trit; see trit mkmodel --help)");
	if (!path)
		return api_failf(err, TRIT_ERR_ARG, "mkmodel: missing -o FILE");
	struct mkmodel_opts o = {.type = GGML_TYPE_I2_S, .embd_type = GGML_TYPE_F16, .seed = opt->seed,
	                         .vocab_from = opt->vocab_from};
	if ((opt->type && type_arg("--type", opt->type, &o.type, err) < 0) ||
	    (opt->embd_type && type_arg("--embd-type", opt->embd_type, &o.embd_type, err) < 0))
		return TRIT_ERR_ARG;
	struct ir_file f;
	struct error e;
	if (ir_parse_file(opt->description, &f, &e))
		return api_fail(err, TRIT_ERR_FORMAT, &e);
	if (!f.has_model) {
		ir_free(&f);
		return api_failf(err, TRIT_ERR_FORMAT, "mkmodel: %s: no model description in this file", opt->description);
	}
	o.model = f.model;
	ir_free(&f);
	const int32_t dims[] = {opt->n_layer, opt->n_embd, opt->n_ff, opt->n_head, opt->n_head_kv, opt->n_vocab, opt->n_ctx};
	int32_t *fields[] = {&o.model.n_layer, &o.model.n_embd,    &o.model.n_ff, &o.model.n_head,
	                     &o.model.n_head_kv, &o.model.n_vocab, &o.model.n_ctx};
	for (size_t d = 0; d < COUNTOF(dims); d++)
		if (dims[d] > 0)
			*fields[d] = dims[d];
	model_derive_linears(&o.model);
	if (mkmodel_check(&o, &e))
		return api_failf(err, TRIT_ERR_ARG, "mkmodel: %s: %s", opt->description, e.msg);
	if (check_writable(path, err) < 0)
		return TRIT_ERR_IO;
	double t0 = now_seconds();
	if (mkmodel_write(&o, path, &e))
		return api_failf(err, TRIT_ERR_IO, "mkmodel: %s", e.msg);
	if (r) {
		snprintf(r->arch, sizeof r->arch, "%s", o.model.arch);
		snprintf(r->type, sizeof r->type, "%s", ggml_type_name(o.type));
		r->seconds = now_seconds() - t0;
	}
	return TRIT_OK;
}
