#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/cpu.h"
#include "runtime/forward.h"
#include "format/ggml_types.h"
#include "runtime/rowdot.h"
#include "runtime/vecops.h"

#define KV_GROUP_MAX 4 /* query heads done together in the attention (scratch is sized for them) */

int forward_init(struct forward *f, struct model *m, int n_ctx, int n_threads, int kv_f32, struct error *e)
{
	return forward_init_seqs(f, m, n_ctx, 1, n_threads, kv_f32, e);
}

int forward_init_seqs(struct forward *f, struct model *m, int n_ctx, int n_seq, int n_threads, int kv_f32,
                      struct error *e)
{
	memset(f, 0, sizeof(*f));
	const struct model_desc *d = &m->d;
	f->m = m;
	f->n_ctx = n_ctx > 0 ? n_ctx : d->n_ctx;
	if (f->n_ctx <= 0)
		return errorf(e, "context size must be positive");
	if (n_seq <= 0)
		return errorf(e, "the number of sequences must be positive (got %d)", n_seq);
	f->n_seq = n_seq;
	if (n_threads <= 0)
		n_threads = cpu_host()->physical_cores > 0 ? cpu_host()->physical_cores : 1;
	f->nth = n_threads;
	f->kv_f32 = kv_f32;
	size_t T = (size_t)m->tile, E = (size_t)d->n_embd, F = (size_t)d->n_ff, KV = (size_t)m->kv_dim;
	size_t kv_elems = (size_t)n_seq * (size_t)d->n_layer * (size_t)f->n_ctx * KV, esz = kv_f32 ? 4 : 2;
	f->kc = calloc(kv_elems, esz);
	f->vc = calloc(kv_elems, esz);
	if (!f->kc || !f->vc) {
		free(f->kc);
		free(f->vc);
		f->kc = f->vc = NULL;
		return errorf(e, "cannot allocate a KV cache of %d x %d tokens (%.1f MiB); try a smaller context", n_seq,
		              f->n_ctx, 2.0 * (double)kv_elems * (double)esz / 1048576.0);
	}
	f->seq_len = xcalloc((size_t)n_seq, sizeof(int32_t));
	f->seq_next = xcalloc((size_t)n_seq, sizeof(int32_t));
	f->tok_seq = xcalloc(T, sizeof(int32_t));
	f->tok_pos = xcalloc(T, sizeof(int32_t));
	f->tok_want = xcalloc(T, 1);
	size_t maxrow = MAX(E, F);
	f->x = xcalloc(T * E, sizeof(float));
	f->qkv = xcalloc(T * (E + 2 * KV), sizeof(float));
	f->att = xcalloc(T * E, sizeof(float));
	f->gu = xcalloc(T * 2 * F, sizeof(float));
	f->xq = xaligned_alloc(64, T * (size_t)MAX(m->max_k, 1) + 64);
	f->xs = xcalloc(T, sizeof(float));
	f->acc = xaligned_alloc(64, T * (size_t)MAX(m->max_m, 1) * sizeof(int32_t) + 64);
	f->rowbuf = xcalloc((size_t)f->nth * maxrow, sizeof(float));
	f->scores = xcalloc((size_t)f->nth * KV_GROUP_MAX * (size_t)f->n_ctx, sizeof(float));
	f->rope_cs = xcalloc(T * (size_t)m->head_dim, sizeof(float));
	f->inv_freq = xcalloc((size_t)m->head_dim / 2, sizeof(double));
	for (int i = 0; i < m->head_dim / 2; i++) {
		f->inv_freq[i] = pow((double)d->rope_theta, -2.0 * i / m->head_dim);
		if (m->rope_freqs)
			f->inv_freq[i] /= (double)m->rope_freqs[i];
	}
	f->scratch = xcalloc((size_t)f->nth, sizeof(uint8_t *));
	for (int i = 0; i < f->nth; i++)
		f->scratch[i] = xaligned_alloc(64, m->scratch_max + 64);
	if (!(f->tp = tp_create(f->nth))) {
		int n = f->nth;
		forward_free(f);
		return errorf(e, "cannot start %d threads; try fewer (-t)", n);
	}
	return 0;
}

void forward_free(struct forward *f)
{
	if (f->tp)
		tp_destroy(f->tp);
	if (f->scratch)
		for (int i = 0; i < f->nth; i++)
			free(f->scratch[i]);
	free(f->scratch);
	free(f->kc);
	free(f->vc);
	free(f->seq_len);
	free(f->seq_next);
	free(f->tok_seq);
	free(f->tok_pos);
	free(f->tok_want);
	free(f->x);
	free(f->qkv);
	free(f->att);
	free(f->gu);
	free(f->xq);
	free(f->xs);
	free(f->acc);
	free(f->rowbuf);
	free(f->scores);
	free(f->rope_cs);
	free(f->inv_freq);
	memset(f, 0, sizeof(*f));
}

void forward_reset(struct forward *f) { forward_truncate(f, -1, 0); }

void forward_truncate(struct forward *f, int seq, int n_keep)
{
	for (int s = 0; s < f->n_seq; s++)
		if ((seq < 0 || s == seq) && f->seq_len[s] > n_keep)
			f->seq_len[s] = MAX(n_keep, 0);
	f->n_past = f->seq_len[0];
}

/* the first element of a sequence's cache for one layer */
static size_t kv_layer_offset(const struct forward *f, int seq, int layer)
{
	return ((size_t)seq * (size_t)f->m->d.n_layer + (size_t)layer) * (size_t)f->n_ctx * (size_t)f->m->kv_dim;
}

/* ---- jobs run on every thread of the pool ---- */

enum job_kind { JOB_NORM_QUANT, JOB_LINEAR, JOB_ATTENTION, JOB_LM_HEAD };

struct job {
	enum job_kind kind;
	struct forward *f;
	int n; /* tokens in this chunk */
	/* norm + quantize: src rows (stride ld, length k), optional norm weight, optional GLU
	 * (src = gate, src + glu_off = up) */
	const float *src;
	int64_t ld, k, glu_off;
	const float *norm_w;
	int glu;
	/* linear */
	const struct bitlinear *b;
	float *out;
	int64_t ldout;
	int add;
	/* attention */
	int layer;
	/* lm_head */
	const float *hidden; /* [n][n_embd] */
	float *logits;       /* [n][n_vocab] */
};

static void rms_norm(const float *x, int64_t k, const float *w, float eps, float *y)
{
	float scale = 1.0f / sqrtf((float)(vecops()->sumsq(x, k) / (double)k) + eps);
	vecops()->scale_mul(x, scale, w, y, k);
}

static void job_norm_quant(const struct job *j, long lo, long hi, int ith)
{
	struct forward *f = j->f;
	float *row = f->rowbuf + (size_t)ith * (size_t)MAX(f->m->d.n_embd, f->m->d.n_ff);
	for (long t = lo; t < hi; t++) {
		const float *src = j->src + t * j->ld;
		if (j->glu) {
			const float *up = src + j->glu_off;
			if (f->m->relu2)
				vecops()->relu2_glu(src, up, row, j->k);
			else
				for (int64_t i = 0; i < j->k; i++)
					row[i] = src[i] / (1.0f + expf(-src[i])) * up[i];
			src = row;
		}
		if (j->norm_w) {
			rms_norm(src, j->k, j->norm_w, f->m->d.rms_eps, row);
			src = row;
		}
		f->xs[t] = quantize_act(src, j->k, f->xq + t * j->k);
	}
}

/* the kernel a linear job of n tokens runs */
static const struct kernel_handle *linear_handle(const struct bitlinear *b, int n) { return n == 1 ? &b->gemv : &b->gemm; }

static void job_linear(const struct job *j, long lo, long hi, int ith)
{
	struct forward *f = j->f;
	const struct bitlinear *b = j->b;
	const struct kernel_handle *h = linear_handle(b, j->n);
	const uint8_t *w = j->n == 1 ? b->w_gemv : b->w_gemm;
	int step = h->spec.n > 0 ? h->spec.n : 1;
	for (int t0 = 0; t0 < j->n; t0 += step) {
		struct kernel_args a = {
			.w = w,
			.x = f->xq + (int64_t)t0 * b->k,
			.y = f->acc + (int64_t)t0 * b->m,
			.ldx = b->k,
			.ldy = b->m,
			.n = MIN(step, j->n - t0),
			.row0 = (int32_t)lo,
			.row1 = (int32_t)hi,
			.scratch = f->scratch[ith],
		};
		khandle_call(h, &a);
	}
	int32_t pstart = 0;
	for (int p = 0; p < b->nparts; p++) {
		int32_t pend = pstart + b->part_rows[p];
		long r0 = MAX(lo, pstart), r1 = MIN(hi, pend);
		float alpha = b->alpha[p];
		for (int t = 0; t < j->n && r0 < r1; t++) {
			const int32_t *acc = f->acc + (int64_t)t * b->m;
			float *out = j->out + t * j->ldout;
			vecops()->dequant(acc + r0, alpha / f->xs[t], b->bias ? b->bias + r0 : NULL, out + r0, j->add, r1 - r0);
		}
		pstart = pend;
	}
}

/* items are (token, KV head): the query heads of the group, up to KV_GROUP_MAX at a time */
static void job_attention(const struct job *j, long lo, long hi, int ith)
{
	struct forward *f = j->f;
	const struct model *m = f->m;
	int hd = m->head_dim, nkv = m->d.n_head_kv, group = m->d.n_head / m->d.n_head_kv;
	int64_t E = m->d.n_embd, KV = m->kv_dim, ld = E + 2 * KV;
	size_t esz = f->kv_f32 ? 4 : 2;
	float *scores = f->scores + (size_t)ith * KV_GROUP_MAX * (size_t)f->n_ctx;
	float scale = 1.0f / sqrtf((float)hd);
	int vec = hd % 8 == 0; /* the SIMD helpers take whole vectors */
	const struct vecops *vo = vec ? vecops() : vecops_plain();
	void (*dots)(const void *, const float *const *, int, int, float *) = f->kv_f32 ? vo->dots_f32 : vo->dots_f16;
	void (*axpys)(const float *, const void *, float *const *, int, int) = f->kv_f32 ? vo->axpys_f32 : vo->axpys_f16;
	for (long item = lo; item < hi; item++) {
		int t = (int)(item / nkv), kvh = (int)(item % nkv), pos = f->tok_pos[t];
		size_t layer_off = kv_layer_offset(f, f->tok_seq[t], j->layer);
		for (int h0 = 0; h0 < group; h0 += KV_GROUP_MAX) {
			int G = MIN(KV_GROUP_MAX, group - h0);
			const float *q[KV_GROUP_MAX];
			float *out[KV_GROUP_MAX], mx[KV_GROUP_MAX], inv[KV_GROUP_MAX], s[KV_GROUP_MAX];
			for (int g = 0; g < G; g++) {
				int head = kvh * group + h0 + g;
				q[g] = f->qkv + t * ld + (int64_t)head * hd;
				out[g] = f->att + t * E + (int64_t)head * hd;
				mx[g] = -INFINITY;
			}
			for (int p = 0; p <= pos; p++) {
				size_t base = layer_off + (size_t)p * (size_t)KV + (size_t)kvh * (size_t)hd;
				dots((const char *)f->kc + base * esz, q, G, hd, s);
				for (int g = 0; g < G; g++) {
					float v = s[g] * scale;
					scores[(size_t)g * (size_t)f->n_ctx + (size_t)p] = v;
					if (v > mx[g])
						mx[g] = v;
				}
			}
			for (int g = 0; g < G; g++) {
				float *sc = scores + (size_t)g * (size_t)f->n_ctx, sum = 0;
				for (int p = 0; p <= pos; p++) {
					sc[p] = expf(sc[p] - mx[g]);
					sum += sc[p];
				}
				inv[g] = 1.0f / sum;
				memset(out[g], 0, (size_t)hd * sizeof(float));
			}
			for (int p = 0; p <= pos; p++) {
				size_t base = layer_off + (size_t)p * (size_t)KV + (size_t)kvh * (size_t)hd;
				float w[KV_GROUP_MAX];
				for (int g = 0; g < G; g++)
					w[g] = scores[(size_t)g * (size_t)f->n_ctx + (size_t)p] * inv[g];
				axpys(w, (const char *)f->vc + base * esz, out, G, hd);
			}
		}
	}
}

static void job_lm_head(const struct job *j, long lo, long hi, int ith)
{
	struct forward *f = j->f;
	const struct model *m = f->m;
	const struct gguf_tensor *out = m->output;
	int64_t E = m->d.n_embd, V = m->d.n_vocab;
	const struct vecops *vo = vecops();
	float *buf = f->rowbuf + (size_t)ith * (size_t)MAX(m->d.n_embd, m->d.n_ff);
	if (m->head_q8.w) {
		lmhead_q8_rows(&m->head_q8, f->xq, f->xs, j->n, lo, hi, j->logits, V);
		return;
	}
	for (long r = lo; r < hi; r++) {
		float *dst = j->logits + r;
		if (out->type == GGML_TYPE_F16) {
			const uint16_t *w = (const uint16_t *)out->data + r * E;
			int t = 0;
			for (; vo->dot_f16_x4 && t + 4 <= j->n; t += 4) {
				const float *h[4] = {j->hidden + t * E, j->hidden + (t + 1) * E, j->hidden + (t + 2) * E,
				                     j->hidden + (t + 3) * E};
				float o[4];
				vo->dot_f16_x4(w, h, E, o);
				for (int u = 0; u < 4; u++)
					dst[(t + u) * V] = o[u];
			}
			for (; t < j->n; t++)
				dst[t * V] = vo->dot_f16(w, j->hidden + t * E, E);
			continue;
		}
		if (rowdot_supported(out->type)) {
			const uint8_t *w = (const uint8_t *)out->data + (size_t)r * (size_t)(out->nbytes / (uint64_t)V);
			for (int t = 0; t < j->n; t++)
				dst[t * V] = rowdot(out->type, w, j->hidden + t * E, E);
			continue;
		}
		const float *w = (const float *)out->data + r * E;
		if (out->type != GGML_TYPE_F32) {
			ggml_decode_row(out->type, out->data, E, out->ne[1], r, buf);
			w = buf;
		}
		for (int t = 0; t < j->n; t++)
			dst[t * V] = vo->dot_f32(w, j->hidden + t * E, E);
	}
}

static void run_job(void *ctx, long lo, long hi, int ith)
{
	const struct job *j = ctx;
	switch (j->kind) {
	case JOB_NORM_QUANT:
		job_norm_quant(j, lo, hi, ith);
		break;
	case JOB_LINEAR:
		job_linear(j, lo, hi, ith);
		break;
	case JOB_ATTENTION:
		job_attention(j, lo, hi, ith);
		break;
	case JOB_LM_HEAD:
		job_lm_head(j, lo, hi, ith);
		break;
	}
}

/* rows of the output layer per chunk: a few hundred KiB of weights, many chunks per thread */
#define LM_HEAD_CHUNK 128

/* ---- the layer steps ---- */

static void norm_quant(struct forward *f, int n, const float *src, int64_t ld, int64_t k, const float *w, int glu,
                       int64_t glu_off)
{
	struct job j = {.kind = JOB_NORM_QUANT, .f = f, .n = n, .src = src, .ld = ld, .k = k, .norm_w = w,
	                .glu = glu, .glu_off = glu_off};
	tp_for(f->tp, n, 1, run_job, &j);
}

static void linear(struct forward *f, int n, const struct bitlinear *b, float *out, int64_t ldout, int add)
{
	struct job j = {.kind = JOB_LINEAR, .f = f, .n = n, .b = b, .out = out, .ldout = ldout, .add = add};
	int32_t bm = linear_handle(b, n)->spec.bm;
	tp_for(f->tp, b->m, bm > 0 ? bm : b->m, run_job, &j); /* kernels take whole row tiles */
}

/* rotates pairs of x (one head of hd values) by the token's angles cs (cos[hd/2], sin[hd/2]) */
static void rope_head(float *x, int hd, int neox, const float *cs)
{
	int half = hd / 2;
	const float *c = cs, *s = cs + half;
	for (int i = 0; i < half; i++) {
		int a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
		float x0 = x[a], x1 = x[b];
		x[a] = x0 * c[i] - x1 * s[i];
		x[b] = x0 * s[i] + x1 * c[i];
	}
}

/* RoPE on q and k of each token, then k and v into its sequence's cache */
static void rope_and_store(struct forward *f, int n, int layer)
{
	const struct model *m = f->m;
	int hd = m->head_dim, half = hd / 2;
	int64_t E = m->d.n_embd, KV = m->kv_dim, ld = E + 2 * KV;
	for (int t = 0; t < n; t++) {
		int pos = f->tok_pos[t];
		float *cs = f->rope_cs + (size_t)t * (size_t)hd, *row = f->qkv + t * ld;
		if (layer == 0)
			for (int i = 0; i < half; i++) {
				double ang = (double)pos * f->inv_freq[i];
				cs[i] = (float)cos(ang);
				cs[half + i] = (float)sin(ang);
			}
		for (int h = 0; h < m->d.n_head; h++)
			rope_head(row + (int64_t)h * hd, hd, m->rope_neox, cs);
		for (int h = 0; h < m->d.n_head_kv; h++)
			rope_head(row + E + (int64_t)h * hd, hd, m->rope_neox, cs);
		size_t dst = kv_layer_offset(f, f->tok_seq[t], layer) + (size_t)pos * (size_t)KV;
		const float *k = row + E, *v = row + E + KV;
		if (f->kv_f32) {
			memcpy((float *)f->kc + dst, k, (size_t)KV * sizeof(float));
			memcpy((float *)f->vc + dst, v, (size_t)KV * sizeof(float));
		} else {
			vecops()->to_f16(k, (uint16_t *)f->kc + dst, KV);
			vecops()->to_f16(v, (uint16_t *)f->vc + dst, KV);
		}
	}
}

static void run_layer(struct forward *f, int n, int l)
{
	const struct model *m = f->m;
	const struct layer *L = &m->layers[l];
	int64_t E = m->d.n_embd, F = m->d.n_ff, KV = m->kv_dim, ldqkv = E + 2 * KV;

	norm_quant(f, n, f->x, E, E, L->attn_norm, 0, 0);
	int64_t off = 0;
	for (int i = 0; i < L->n_qkv; i++) {
		linear(f, n, &L->qkv[i], f->qkv + off, ldqkv, 0);
		off += L->qkv[i].m;
	}
	rope_and_store(f, n, l);
	struct job aj = {.kind = JOB_ATTENTION, .f = f, .n = n, .layer = l};
	tp_for(f->tp, (long)n * m->d.n_head_kv, 1, run_job, &aj);
	norm_quant(f, n, f->att, E, E, L->attn_sub_norm, 0, 0);
	linear(f, n, &L->o, f->x, E, 1);

	norm_quant(f, n, f->x, E, E, L->ffn_norm, 0, 0);
	off = 0;
	for (int i = 0; i < L->n_gate_up; i++) {
		linear(f, n, &L->gate_up[i], f->gu + off, 2 * F, 0);
		off += L->gate_up[i].m;
	}
	norm_quant(f, n, f->gu, 2 * F, F, L->ffn_sub_norm, 1, F);
	linear(f, n, &L->down, f->x, E, 1);
}

/* one chunk of at most tile tokens whose sequences and positions are in tok_seq/tok_pos; the logits of
 * the tokens want selects into out (none when out is NULL); returns the number of logit rows */
static int run_chunk(struct forward *f, const int32_t *tokens, int n, const int8_t *want, float *out)
{
	const struct model *m = f->m;
	int64_t E = m->d.n_embd;
	for (int t = 0; t < n; t++)
		ggml_decode_row(m->tok_embd->type, m->tok_embd->data, E, m->d.n_vocab, tokens[t], f->x + t * E);
	for (int l = 0; l < m->d.n_layer; l++)
		run_layer(f, n, l);
	for (int t = 0; t < n; t++)
		f->seq_len[f->tok_seq[t]] = MAX(f->seq_len[f->tok_seq[t]], f->tok_pos[t] + 1);
	f->n_past = f->seq_len[0];
	if (!out)
		return 0;
	int nl = 0;
	for (int t = 0; t < n; t++) {
		if (!want[t])
			continue;
		rms_norm(f->x + t * E, E, m->output_norm, m->d.rms_eps, f->att + nl * E);
		if (m->head_q8.w)
			f->xs[nl] = quantize_act(f->att + nl * E, E, f->xq + nl * E);
		nl++;
	}
	if (nl == 0)
		return 0;
	struct job j = {.kind = JOB_LM_HEAD, .f = f, .n = nl, .hidden = f->att, .logits = out};
	tp_for(f->tp, m->d.n_vocab, LM_HEAD_CHUNK, run_job, &j);
	return nl;
}

int forward_decode(struct forward *f, const struct forward_batch *b, float *logits, struct error *e)
{
	const struct model *m = f->m;
	int n = b->n;
	if (n <= 0)
		return 0;
	int32_t *next = f->seq_next; /* each sequence's next position as the batch fills it */
	memcpy(next, f->seq_len, (size_t)f->n_seq * sizeof(int32_t));
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		int s = b->seq ? b->seq[i] : 0;
		if (b->tokens[i] < 0 || b->tokens[i] >= m->d.n_vocab)
			rc = errorf(e, "token id %d is out of range (vocabulary has %d tokens)", b->tokens[i], m->d.n_vocab);
		else if (s < 0 || s >= f->n_seq)
			rc = errorf(e, "sequence %d does not exist (this context has %d)", s, f->n_seq);
		else if (b->pos && b->pos[i] != next[s])
			rc = errorf(e, "token %d of the batch is at position %d, but sequence %d continues at %d", i,
			            b->pos[i], s, next[s]);
		else if (next[s] >= f->n_ctx) {
			errorf(e, "the context is full: sequence %d holds %d tokens, its context size is %d (use -c)", s,
			       f->seq_len[s], f->n_ctx);
			rc = FORWARD_FULL;
		} else {
			next[s]++;
		}
	}
	if (rc < 0)
		return rc;
	memcpy(next, f->seq_len, (size_t)f->n_seq * sizeof(int32_t));
	int64_t V = m->d.n_vocab;
	for (int c = 0; c < n; c += m->tile) {
		int nc = MIN(m->tile, n - c);
		for (int t = 0; t < nc; t++) {
			int s = b->seq ? b->seq[c + t] : 0;
			f->tok_seq[t] = s;
			f->tok_pos[t] = next[s]++;
			f->tok_want[t] = b->logits ? b->logits[c + t] != 0 : c + t == n - 1;
		}
		int rows = run_chunk(f, b->tokens + c, nc, f->tok_want, logits);
		if (logits)
			logits += (int64_t)rows * V;
	}
	return 0;
}

int forward_tokens(struct forward *f, const int32_t *tokens, int n, float *logits, int all, struct error *e)
{
	if (n <= 0)
		return 0;
	if ((long)f->seq_len[0] + n > f->n_ctx) {
		errorf(e, "the context is full: %d tokens in the cache + %d new > context size %d (use -c)", f->seq_len[0],
		       n, f->n_ctx);
		return FORWARD_FULL;
	}
	int8_t *want = NULL;
	if (all) {
		want = xmalloc((size_t)n);
		memset(want, 1, (size_t)n);
	}
	struct forward_batch b = {.n = n, .tokens = tokens, .logits = want};
	int rc = forward_decode(f, &b, logits, e);
	free(want);
	return rc;
}
