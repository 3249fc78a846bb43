/* ir.h: trit's IR — model descriptions (the .trit files in models/) and kernel specs — with parser, printer
 * and validator. The grammar is documented in docs/ir.md. */
#ifndef TRIT_IR_H
#define TRIT_IR_H

#include <stdint.h>
#include <stdio.h>

#include "base/util.h"

enum kernel_kind { KIND_I2S, KIND_TL1, KIND_TL2, KIND_COUNT };

#define KIND_BIT(K) (1u << KIND_##K)

/* instruction-set tiers a kernel can be generated for, one per row of ir/isa.def; ISA_SCALAR is
 * the portable reference */
enum isa {
#define ISA(ID, name, family, needs, adds, llvm, kinds, min_n, emit, vbytes) ISA_##ID,
#include "ir/isa.def"
	ISA_COUNT
};

/* the kinds of target an ISA belongs to (ISA_FAMILY rows of ir/isa.def) */
enum isa_family {
#define ISA_FAMILY(ID, name, on_cpu, triples) FAMILY_##ID,
#include "ir/isa.def"
	FAMILY_COUNT
};

/* one ISA row of ir/isa.def as data (the columns are documented there) */
struct isa_info {
	const char *name;
	enum isa_family family;
	unsigned needs, adds;      /* CPUF_BIT()s of base/cpu.h */
	const char *llvm_features; /* e.g. "+avx2,+fma" */
	unsigned kinds;            /* KIND_BIT()s */
	int32_t min_n;
	int vbytes;
};

/* One kernel: the int32 dot products of an M×K ternary matrix with N int8 token rows.
 * All fields are part of the cache key; spec_format() prints the canonical form. */
struct kernel_spec {
	enum kernel_kind kind;
	enum isa isa;
	int32_t m, k;     /* output rows and input columns of the weight matrix */
	int32_t n;        /* tokens per call: 1 = GEMV, > 1 = GEMM tile (a call may pass fewer) */
	int32_t bm;       /* rows per tile (BM) */
	int32_t bk;       /* columns per tile (BK) */
	int32_t rb;       /* rows computed together inside a tile (bitnet.cpp's "bm") */
	int32_t unroll;   /* inner-loop unroll factor */
	int32_t prefetch; /* software-prefetch distance in bytes; 0 = none */
	int32_t threads;  /* threads the tuner assumed (rows are split by the caller) */
};

#define MODEL_MAX_LINEARS 16

/* one BitLinear shape of a model: y[m] = W[m×k] · x[k] */
struct linear_shape {
	char name[32]; /* e.g. "attn_q", "ffn_gate_up" (fused) */
	int32_t m, k;
};

/* a model description: architecture, hyper-parameters and BitLinear shapes */
struct model_desc {
	char name[64];      /* e.g. "bitnet-b1.58-2b-4t" */
	char arch[32];      /* GGUF general.architecture: bitnet-b1.58, bitnet-25, bitnet, llama */
	char tokenizer[16]; /* gpt2 (byte-level BPE) or llama (SentencePiece-style) */
	int32_t n_vocab, n_embd, n_ff, n_layer, n_head, n_head_kv, n_ctx;
	float rope_theta, rms_eps;
	int tied;      /* 1 when the output layer is token_embd */
	int sub_norms; /* 1 when attn_sub_norm/ffn_sub_norm exist (bitnet*), 0 for llama */
	char act[16];  /* FFN gate activation: relu2 or silu */
	int n_linear;
	struct linear_shape linear[MODEL_MAX_LINEARS];
};

/* what one .trit file holds: at most one model and any number of kernel specs */
struct ir_file {
	int has_model;
	struct model_desc model;
	int nspecs;
	struct kernel_spec *specs;
};

/* names of kinds and ISAs as written in the IR ("i2s", "tl1", "tl2"; "scalar", "avx2", ...) */
const char *kind_name(enum kernel_kind k);
const char *isa_name(enum isa i);
/* parse a kind/ISA name; returns 0 or -1 when unknown */
int kind_parse(const char *s, enum kernel_kind *out);
int isa_parse(const char *s, enum isa *out);
/* the ir/isa.def row of i; NULL when out of range */
const struct isa_info *isa_info(enum isa i);
/* 1 when ISA i can run kernels of kind k (its row's kinds) */
int isa_runs_kind(enum isa i, enum kernel_kind k);
/* the name of family f ("x86-64"), "?" when out of range */
const char *isa_family_name(enum isa_family f);
/* 1 when family f's kernels run on the host CPU (not on a device) */
int isa_family_on_cpu(enum isa_family f);
/* 1 when family f covers the LLVM target triple (by its triple prefixes) */
int isa_family_covers(enum isa_family f, const char *triple);
/* writes the names of the ISAs that run kind k to buf, "a, b or c"; returns buf */
char *isa_list_for_kind(enum kernel_kind k, char *buf, size_t len);

/* parses IR text; errors read "FILE:LINE:COL: expected ..., got ..." */
int ir_parse(const char *text, const char *filename, struct ir_file *out, struct error *e);
/* reads and parses a .trit file */
int ir_parse_file(const char *path, struct ir_file *out, struct error *e);
/* frees what ir_parse allocated */
void ir_free(struct ir_file *f);
/* prints a whole file (model, then specs) in canonical form; parse(print(x)) == x */
void ir_print(FILE *out, const struct ir_file *f);

/* writes the canonical one-line form of a spec ("kernel i2s m=... k=... ...") into buf */
void spec_format(const struct kernel_spec *s, char *buf, size_t len);
/* parses one spec line (with or without the leading "kernel") */
int spec_parse(const char *line, struct kernel_spec *s, struct error *e);
/* checks values that are wrong for every kind (non-positive sizes, unknown enums) */
int spec_validate(const struct kernel_spec *s, struct error *e);

/* checks a model's hyper-parameters for consistency (heads divide embd, kv heads divide heads, ...) */
int model_validate(const struct model_desc *m, struct error *e);
/* recomputes m->linear[] from the dimensions and architecture (used after dimension overrides) */
void model_derive_linears(struct model_desc *m);
/* prints a model description in canonical form */
void model_print(FILE *out, const struct model_desc *m);

/* sets m->arch and the traits the architecture implies (act, sub_norms); -1 when arch is unknown.
 * bitnet-b1.58, bitnet-25, bitnet-1.58: relu2 + sub-norms; bitnet: silu + sub-norms; llama: silu */
int model_set_arch(struct model_desc *m, const char *arch, struct error *e);
/* 1 when arch is one trit knows */
int arch_known(const char *arch);
/* embd / heads */
int32_t model_head_dim(const struct model_desc *m);
/* the linear of that name ("attn_q", "ffn_gate_up", ...), NULL when absent */
const struct linear_shape *model_find_linear(const struct model_desc *m, const char *name);

#endif
