/* t_tokenizer.c: UTF-8 and category tables, the pre-tokenizers, byte-level BPE and SentencePiece
 * on small vocabularies written to GGUF files, special tokens, decoding, round trips of random
 * bytes, and malformed vocabularies. Expected ids are computed by hand from the vocabularies
 * below. Golden tests against the real Llama-3 vocabulary are not here (it cannot be fetched
 * offline). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "base/util.h"
#include "format/gguf.h"
#include "tok/pretok.h"
#include "tok/tokenizer.h"
#include "tok/unicode.h"
#include "tests/test.h"

/* ---- UTF-8 and categories ---- */

TEST(utf8_decodes_strictly)
{
	uint32_t cp;
	CHECK_EQ_INT(utf8_decode((const unsigned char *)"A", 1, &cp), 1);
	CHECK_EQ_INT(cp, 'A');
	CHECK_EQ_INT(utf8_decode((const unsigned char *)"\xC3\xA9", 2, &cp), 2);
	CHECK_EQ_INT(cp, 0xE9);
	CHECK_EQ_INT(utf8_decode((const unsigned char *)"\xE6\x9D\xB1", 3, &cp), 3);
	CHECK_EQ_INT(cp, 0x6771);
	CHECK_EQ_INT(utf8_decode((const unsigned char *)"\xF0\x9F\x99\x82", 4, &cp), 4);
	CHECK_EQ_INT(cp, 0x1F642);
	/* invalid: lone continuation, overlong, surrogate, past U+10FFFF, truncated, bad lead */
	static const char *const bad[] = {"\x80", "\xC0\x80", "\xE0\x80\x80", "\xED\xA0\x80",
	                                  "\xF4\x90\x80\x80", "\xE6\x9D", "\xFF", "\xC3("};
	for (size_t i = 0; i < COUNTOF(bad); i++) {
		CHECK_EQ_INT(utf8_decode((const unsigned char *)bad[i], strlen(bad[i]), &cp), 1);
		CHECK_EQ_INT(cp, UNI_INVALID_BASE + (unsigned char)bad[i][0]);
	}
	char buf[4];
	for (uint32_t c = 0; c < 0x110000; c += 97) {
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		size_t n = utf8_encode(c, buf);
		CHECK(utf8_decode((unsigned char *)buf, n, &cp) == n && cp == c);
	}
}

TEST(unicode_categories)
{
	CHECK_EQ_INT(uni_flags('a'), UNI_L);
	CHECK_EQ_INT(uni_flags(0xEF), UNI_L);    /* ï */
	CHECK_EQ_INT(uni_flags(0x6771), UNI_L);  /* 東 */
	CHECK_EQ_INT(uni_flags('7'), UNI_N);
	CHECK_EQ_INT(uni_flags(0xB2), UNI_N);    /* ² (No) */
	CHECK_EQ_INT(uni_flags(0x2167), UNI_N);  /* Ⅷ (Nl) */
	CHECK_EQ_INT(uni_flags(','), UNI_P);
	CHECK_EQ_INT(uni_flags('_'), UNI_P);
	CHECK_EQ_INT(uni_flags('$'), 0);         /* Sc: a symbol, not punctuation */
	CHECK_EQ_INT(uni_flags(0x1F642), 0);     /* 🙂 (So) */
	CHECK_EQ_INT(uni_flags(0x301), 0);       /* combining acute (Mn) */
	CHECK_EQ_INT(uni_flags(' '), UNI_WS);
	CHECK_EQ_INT(uni_flags('\n'), UNI_WS);
	CHECK_EQ_INT(uni_flags(0x3000), UNI_WS);
	CHECK_EQ_INT(uni_flags(0x85), UNI_WS);
	CHECK_EQ_INT(uni_flags(0x1C), 0);        /* not White_Space, though Python's isspace says so */
	CHECK_EQ_INT(uni_flags(UNI_INVALID_BASE + 0xFF), 0);
}

/* ---- pre-tokenizers ---- */

/* the pieces joined with '|' */
static char *split_joined(enum pretok_kind k, const char *text, size_t len)
{
	struct pretok_span *sp;
	size_t n;
	pretok_split(k, text, len, &sp, &n);
	char *out = xmalloc(2 * len + 1), *o = out;
	size_t prev = 0;
	for (size_t i = 0; i < n; i++) {
		if (sp[i].start != prev || sp[i].end <= sp[i].start)
			test_fail(__FILE__, __LINE__, "pieces do not tile the text");
		if (i)
			*o++ = '|';
		memcpy(o, text + sp[i].start, sp[i].end - sp[i].start);
		o += sp[i].end - sp[i].start;
		prev = sp[i].end;
	}
	CHECK_EQ_INT(prev, len);
	*o = 0;
	free(sp);
	return out;
}

static void check_split(enum pretok_kind k, const char *text, const char *expect, int line)
{
	char *got = split_joined(k, text, strlen(text));
	if (strcmp(got, expect) != 0)
		test_fail(__FILE__, line, "%s split of \"%s\": got \"%s\", expected \"%s\"", pretok_name(k), text,
		          got, expect);
	free(got);
}

#define SPLIT3(text, expect) check_split(PRETOK_LLAMA3, text, expect, __LINE__)
#define SPLIT2(text, expect) check_split(PRETOK_GPT2, text, expect, __LINE__)
#define SPLITD(text, expect) check_split(PRETOK_DEFAULT, text, expect, __LINE__)

TEST(llama3_pretokenizer)
{
	SPLIT3("Hello world!", "Hello| world|!");
	SPLIT3(" Hello  world\n\n", " Hello| | world|\n\n");
	SPLIT3("I'm 12345 tokens", "I|'m| |123|45| tokens");
	/* contractions, any case */
	SPLIT3("I'M", "I|'M");
	SPLIT3("don't", "don|'t");
	SPLIT3("WE'LL they'Re you'VE he'D", "WE|'LL| they|'Re| you|'VE| he|'D");
	SPLIT3("'sbar", "'s|bar");
	SPLIT3("'x", "'x");
	/* digit runs split in threes from the left */
	SPLIT3("1", "1");
	SPLIT3("12", "12");
	SPLIT3("123", "123");
	SPLIT3("1234", "123|4");
	SPLIT3("12345", "123|45");
	SPLIT3("123456", "123|456");
	SPLIT3("1234567", "123|456|7");
	SPLIT3("x²3", "x|²3");
	/* punctuation, with one leading space and trailing newlines */
	SPLIT3("a ,b", "a| ,|b");
	SPLIT3("a  ,b", "a| | ,|b");
	SPLIT3("hello !!!", "hello| !!!");
	SPLIT3("ok!\n\nyes", "ok|!\n\n|yes");
	SPLIT3("_id", "_id");
	SPLIT3("<|eot_id|>", "<||eot|_id||>");
	/* newlines and whitespace */
	SPLIT3("a\r\nb", "a|\r\n|b");
	SPLIT3("hello\n\n\nworld", "hello|\n\n\n|world");
	SPLIT3("  \n  x", "  \n| | x");
	SPLIT3("hi   ", "hi|   ");
	SPLIT3("a \n", "a| \n");
	SPLIT3("\tfoo", "\tfoo");
	SPLIT3("x\t\ty", "x|\t|\ty");
	/* non-ASCII */
	SPLIT3("naïve café 東京 🙂", "naïve| café| 東京| 🙂");
	SPLIT3("e\xCC\x81x", "e|\xCC\x81x"); /* a combining mark is not a letter */
	SPLIT3("Ünïcödé", "Ünïcödé");
	/* invalid UTF-8 groups like other symbols */
	SPLIT3("a\xFF\xFE" "b", "a|\xFF\xFE|b");
	SPLIT3(" \x80", " \x80");
}

TEST(gpt2_pretokenizer)
{
	SPLIT2("Hello world!", "Hello| world|!");
	SPLIT2("I'M", "I|'|M"); /* case-sensitive contractions */
	SPLIT2("I'm", "I|'m");
	SPLIT2("12345 tokens", "12345| tokens");
	SPLIT2(" ,x", " ,|x");
	SPLIT2("a  b", "a| | b");
	SPLIT2("a\n\nb", "a|\n|\n|b"); /* no \s*[\r\n]+ alternative */
	SPLIT2("hi  ", "hi|  ");
	SPLIT2("\tfoo", "\t|foo");
}

TEST(default_pretokenizer)
{
	/* punctuation runs first, then GPT-2, then number runs, then ASCII digit triples */
	SPLITD("Hello, world! 12345 don't", "Hello|,| world|!| |123|45| don|'|t");
	SPLITD("a+=b", "a|+=|b");
	SPLITD("I'M", "I|'|M");
	SPLITD("x1234567", "x|123|456|7");
	SPLITD("<|eot_id|>", "<||eot|_|id||>");
}

TEST(pretokenizers_survive_random_bytes)
{
	struct rng r;
	rng_seed(&r, 7);
	char buf[96];
	for (int it = 0; it < 3000 && !test_failed(); it++) {
		size_t len = rng_below(&r, sizeof(buf));
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)rng_below(&r, 256);
		for (int k = PRETOK_LLAMA3; k <= PRETOK_DEFAULT; k++)
			free(split_joined((enum pretok_kind)k, buf, len));
	}
}

/* ---- vocabularies in GGUF files ---- */

/* the GPT-2 byte-to-unicode map, written out from its definition */
static uint32_t gpt2_byte_cp(unsigned b)
{
	if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE)
		return b;
	uint32_t n = 0;
	for (unsigned c = 0; c < b; c++)
		if (!((c >= 0x21 && c <= 0x7E) || (c >= 0xA1 && c <= 0xAC) || c >= 0xAE))
			n++;
	return 0x100 + n;
}

/* what to write: every key a field is set for (NULL / 0 / -2 leave it out) */
struct vocab {
	const char *model, *pre;
	const char **tokens;
	size_t n_tokens;
	int32_t *types;
	size_t n_types;
	float *scores;
	size_t n_scores;
	const char **merges;
	size_t n_merges;
	int64_t bos, eos;
	int add_space_prefix; /* -1: absent */
	void (*extra)(struct gguf_writer *w);
};

static int file_no;

static struct tokenizer *load_vocab(const struct vocab *v, struct error *e)
{
	struct gguf_writer *w = gguf_writer_new();
	if (v->model)
		gguf_w_str(w, "tokenizer.ggml.model", v->model);
	if (v->pre)
		gguf_w_str(w, "tokenizer.ggml.pre", v->pre);
	if (v->tokens)
		gguf_w_arr_str(w, "tokenizer.ggml.tokens", v->tokens, v->n_tokens);
	if (v->types)
		gguf_w_arr_i32(w, "tokenizer.ggml.token_type", v->types, v->n_types);
	if (v->scores)
		gguf_w_arr_f32(w, "tokenizer.ggml.scores", v->scores, v->n_scores);
	if (v->merges)
		gguf_w_arr_str(w, "tokenizer.ggml.merges", v->merges, v->n_merges);
	if (v->bos != -2)
		gguf_w_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)v->bos);
	if (v->eos != -2)
		gguf_w_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)v->eos);
	if (v->add_space_prefix >= 0)
		gguf_w_bool(w, "tokenizer.ggml.add_space_prefix", v->add_space_prefix);
	if (v->extra)
		v->extra(w);
	char path[512];
	snprintf(path, sizeof(path), "%s/vocab%d.gguf", test_tmpdir(), file_no++);
	struct error we;
	if (gguf_writer_write(w, path, &we) < 0) {
		test_fail(__FILE__, __LINE__, "writing %s: %s", path, we.msg);
		gguf_writer_free(w);
		return NULL;
	}
	gguf_writer_free(w);
	struct gguf g;
	if (gguf_open(&g, path, &we) < 0) {
		test_fail(__FILE__, __LINE__, "reading %s: %s", path, we.msg);
		return NULL;
	}
	struct tokenizer *t = tokenizer_load(&g, e);
	gguf_close(&g);
	return t;
}

/* the BPE test vocabulary: ids 0..255 are the bytes (id = byte value), then these */
enum {
	B_T = 256, B_HE, B_THE, B_A, B_12, B_123, B_NLNL, B_AA, B_LL, B_ELL, B_HELL, B_HELLO, B_SPSP, B_BC,
	B_AB, B_BOS, B_EOS, B_EOT, B_TAG, B_XYZ, B_N
};
static const char *const bpe_extra[] = {
	"Ġt", "he", "Ġthe", "Ġa", "12", "123", "ĊĊ", "aa", "ll", "ell", "hell", "hello", "ĠĠ", "bc", "ab",
	"<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "<tag>", "Ġxyz",
};
/* rank = index: "b c" outranks "a b"; "h e" and "l l" come before "e ll", so "hello" by merges
 * is he|ll|o although "hello" is a token */
static const char *bpe_merges[] = {
	"Ġ t", "h e", "Ġt he", "Ġ a", "1 2", "12 3", "Ċ Ċ", "a a", "l l", "e ll", "h ell", "hell o",
	"Ġ Ġ", "b c", "a b",
};

struct bpe_vocab {
	char bytes[256][4];
	const char *tokens[B_N];
	int32_t types[B_N];
	struct vocab v;
};

static void bpe_vocab_init(struct bpe_vocab *b, const char *pre)
{
	for (unsigned i = 0; i < 256; i++) {
		size_t n = utf8_encode(gpt2_byte_cp(i), b->bytes[i]);
		b->bytes[i][n] = 0;
		b->tokens[i] = b->bytes[i];
		b->types[i] = TOK_NORMAL;
	}
	for (int i = B_T; i < B_N; i++) {
		b->tokens[i] = bpe_extra[i - B_T];
		b->types[i] = TOK_NORMAL;
	}
	b->types[B_BOS] = b->types[B_EOS] = b->types[B_EOT] = TOK_CONTROL;
	b->types[B_TAG] = TOK_USER_DEFINED;
	b->v = (struct vocab){"gpt2", pre, b->tokens, B_N, b->types, B_N, NULL, 0, bpe_merges,
	                      COUNTOF(bpe_merges), B_BOS, B_EOS, -1, NULL};
}

static struct tokenizer *bpe_tokenizer(const char *pre)
{
	struct bpe_vocab b;
	bpe_vocab_init(&b, pre);
	struct error e;
	struct tokenizer *t = load_vocab(&b.v, &e);
	if (!t)
		test_fail(__FILE__, __LINE__, "loading the BPE vocabulary: %s", e.msg);
	return t;
}

/* encodes text and compares with the expected ids (terminated by -1) */
static void check_enc(const struct tokenizer *t, const char *text, size_t len, int bos, int special,
                      const int32_t *expect, int line)
{
	int32_t *ids;
	size_t n, m = 0;
	struct error e;
	while (expect[m] >= 0)
		m++;
	if (tokenizer_encode(t, text, len, bos, special, &ids, &n, &e) < 0) {
		test_fail(__FILE__, line, "encoding \"%s\": %s", text, e.msg);
		return;
	}
	int same = n == m;
	for (size_t i = 0; same && i < n; i++)
		same = ids[i] == expect[i];
	if (!same) {
		char got[512];
		size_t k = 0;
		for (size_t i = 0; i < n && k < sizeof(got) - 16; i++)
			k += (size_t)snprintf(got + k, sizeof(got) - k, " %d", ids[i]);
		got[k] = 0;
		test_fail(__FILE__, line, "encoding \"%s\" gave [%s ]", text, got);
	}
	free(ids);
}

#define ENC(t, text, ...) \
	check_enc(t, text, strlen(text), 0, 0, (const int32_t[]){__VA_ARGS__, -1}, __LINE__)
#define ENC_OPT(t, text, bos, special, ...) \
	check_enc(t, text, strlen(text), bos, special, (const int32_t[]){__VA_ARGS__, -1}, __LINE__)

TEST(bpe_byte_map)
{
	struct tokenizer *t = bpe_tokenizer("llama-bpe");
	if (!t)
		return;
	CHECK_EQ_INT(gpt2_byte_cp(' '), 0x120);  /* Ġ */
	CHECK_EQ_INT(gpt2_byte_cp('\n'), 0x10A); /* Ċ */
	CHECK_EQ_INT(gpt2_byte_cp(0x7F), 0x121);
	CHECK_EQ_INT(gpt2_byte_cp(0xA0), 0x142);
	CHECK_EQ_INT(gpt2_byte_cp(0xAD), 0x143);
	for (unsigned b = 0; b < 256; b++) {
		char c = (char)b, out[8];
		CHECK_EQ_INT(tokenizer_token_bytes(t, (int32_t)b, out, sizeof(out)), 1);
		CHECK_EQ_INT((unsigned char)out[0], b);
		check_enc(t, &c, 1, 0, 0, (const int32_t[]){(int32_t)b, -1}, __LINE__);
	}
	CHECK_EQ_INT(tokenizer_find(t, "Ġ"), ' ');
	CHECK_EQ_INT(tokenizer_find(t, "Ċ"), '\n');
	CHECK_EQ_INT(tokenizer_find(t, "nope"), -1);
	tokenizer_free(t);
}

TEST(bpe_merges_by_rank)
{
	struct tokenizer *t = bpe_tokenizer("gpt-2"); /* no ignore_merges */
	if (!t)
		return;
	ENC(t, " the", B_THE);
	ENC(t, "the", 't', B_HE);
	ENC(t, "hello", B_HE, B_LL, 'o'); /* by rank, not the longest token */
	ENC(t, "abc", 'a', B_BC);         /* "b c" outranks "a b" */
	ENC(t, "abd", B_AB, 'd');
	ENC(t, "aaa", B_AA, 'a');         /* equal ranks: the leftmost first */
	ENC(t, "aaaa", B_AA, B_AA);
	ENC(t, "aaaaa", B_AA, B_AA, 'a');
	ENC(t, " xyz", ' ', 'x', 'y', 'z');
	ENC(t, "12345", B_123, '4', '5'); /* GPT-2 keeps the digit run whole */
	tokenizer_free(t);
}

TEST(bpe_llama3)
{
	struct tokenizer *t = bpe_tokenizer("llama-bpe");
	if (!t)
		return;
	ENC(t, "hello", B_HELLO); /* ignore_merges: a whole piece that is a token */
	ENC(t, " xyz", B_XYZ);
	ENC(t, " the", B_THE);
	ENC(t, "I'M", 'I', '\'', 'M');
	ENC(t, "1", '1');
	ENC(t, "12", B_12);
	ENC(t, "123", B_123);
	ENC(t, "1234", B_123, '4');
	ENC(t, "12345", B_123, '4', '5');
	ENC(t, "1234567", B_123, '4', '5', '6', '7');
	ENC(t, "\n\n", B_NLNL);
	ENC(t, "\n\n\n", B_NLNL, '\n');
	ENC(t, "\r\n", '\r', '\n');
	ENC(t, "  a", ' ', B_A);
	ENC(t, "a   ", 'a', B_SPSP, ' ');
	ENC(t, "a ,b", 'a', ' ', ',', 'b');
	ENC(t, "🙂", 0xF0, 0x9F, 0x99, 0x82);
	ENC(t, "é", 0xC3, 0xA9);
	ENC(t, "a\xFF", 'a', 0xFF);
	int32_t *ids;
	size_t n;
	struct error e;
	CHECK(tokenizer_encode(t, "", 0, 0, 0, &ids, &n, &e) == 0 && n == 0 && ids == NULL);
	ENC_OPT(t, "", 1, 0, B_BOS);
	ENC_OPT(t, "hello", 1, 0, B_BOS, B_HELLO);
	char nul[] = {'a', 0, 'b'};
	check_enc(t, nul, 3, 0, 0, (const int32_t[]){'a', 0, 'b', -1}, __LINE__);
	tokenizer_free(t);
}

TEST(bpe_special_tokens)
{
	struct tokenizer *t = bpe_tokenizer("llama-bpe");
	if (!t)
		return;
	ENC_OPT(t, "<|eot_id|>x", 0, 1, B_EOT, 'x');
	ENC_OPT(t, "<|eot_id|>x", 0, 0, '<', '|', 'e', 'o', 't', '_', 'i', 'd', '|', '>', 'x');
	ENC_OPT(t, "<|begin_of_text|>hello<|eot_id|><|eot_id|>", 0, 1, B_BOS, B_HELLO, B_EOT, B_EOT);
	/* user-defined tokens are matched even without parse_special, as llama.cpp does */
	ENC_OPT(t, "a<tag>b", 0, 0, 'a', B_TAG, 'b');
	ENC_OPT(t, "a<tag>b", 0, 1, 'a', B_TAG, 'b');
	CHECK_EQ_INT(tokenizer_bos(t), B_BOS);
	CHECK_EQ_INT(tokenizer_eos(t), B_EOS);
	CHECK(tokenizer_is_eog(t, B_EOS));
	CHECK(tokenizer_is_eog(t, B_EOT));
	CHECK(!tokenizer_is_eog(t, B_BOS));
	CHECK(!tokenizer_is_eog(t, 'a'));
	CHECK_EQ_INT(tokenizer_n_vocab(t), B_N);
	CHECK_EQ_INT(tokenizer_token_type(t, B_EOT), TOK_CONTROL);
	CHECK_EQ_INT(tokenizer_token_type(t, B_N), -1);
	CHECK_EQ_INT(tokenizer_add_bos(t), 1); /* llama-bpe's default */
	/* decoding: control tokens are nothing unless asked for; user-defined ones are their text */
	int32_t ids[] = {B_BOS, B_HELLO, B_THE, B_TAG, B_EOT};
	size_t len;
	char *s = tokenizer_decode(t, ids, COUNTOF(ids), 0, &len);
	CHECK(len == 14 && strcmp(s, "hello the<tag>") == 0);
	free(s);
	s = tokenizer_decode(t, ids, COUNTOF(ids), TOK_DECODE_SPECIAL, &len);
	CHECK(strcmp(s, "<|begin_of_text|>hello the<tag><|eot_id|>") == 0);
	free(s);
	char desc[256];
	tokenizer_describe(t, desc, sizeof(desc));
	CHECKF(strstr(desc, "llama-bpe") && strstr(desc, "15 merges") && strstr(desc, "<|begin_of_text|>"),
	       "describe: %s", desc);
	tokenizer_free(t);
}

TEST(bpe_pre_choice)
{
	/* no tokenizer.ggml.pre with a Llama-3 vocabulary: the Llama-3 regex (and ignore_merges) */
	struct tokenizer *t = bpe_tokenizer(NULL);
	if (!t)
		return;
	char desc[256];
	tokenizer_describe(t, desc, sizeof(desc));
	CHECKF(strstr(desc, "llama-bpe") != NULL, "describe: %s", desc);
	ENC(t, "hello", B_HELLO);
	ENC(t, "I'M", 'I', '\'', 'M');
	struct error e;
	CHECK(tokenizer_set_pre(t, "default", &e) == 0);
	ENC(t, "hello", B_HE, B_LL, 'o');
	ENC(t, " 12345", ' ', B_123, '4', '5');
	CHECK(tokenizer_set_pre(t, "qwen2", &e) < 0 && strstr(e.msg, "qwen2"));
	tokenizer_free(t);

	/* without <|begin_of_text|>: llama.cpp's default */
	struct bpe_vocab b;
	bpe_vocab_init(&b, NULL);
	b.tokens[B_BOS] = "<s>";
	t = load_vocab(&b.v, &e);
	CHECKF(t != NULL, "%s", t ? "" : e.msg);
	if (!t)
		return;
	tokenizer_describe(t, desc, sizeof(desc));
	CHECKF(strstr(desc, "default") != NULL, "describe: %s", desc);
	ENC(t, " 12345", ' ', B_123, '4', '5');
	tokenizer_free(t);
}

/* ---- SentencePiece ---- */

enum {
	S_UNK, S_BOS, S_EOS, S_BYTE0, S_SP = S_BYTE0 + 256, S_A, S_B, S_C, S_SPA, S_BC, S_AB, S_SPAB,
	S_EACUTE, S_SPSP, S_AA, S_N
};

struct spm_vocab {
	char bytes[256][8];
	const char *tokens[S_N];
	int32_t types[S_N];
	float scores[S_N];
	struct vocab v;
};

static void spm_vocab_init(struct spm_vocab *s, int add_space_prefix)
{
	static const char *const pieces[] = {"▁", "a", "b", "c", "▁a", "bc", "ab", "▁ab", "é", "▁▁", "aa"};
	static const float piece_scores[] = {-10, -10, -10, -10, -1, -0.5f, -2, -3, -10, -4, -2};
	s->tokens[S_UNK] = "<unk>";
	s->tokens[S_BOS] = "<s>";
	s->tokens[S_EOS] = "</s>";
	s->types[S_UNK] = TOK_UNKNOWN;
	s->types[S_BOS] = s->types[S_EOS] = TOK_CONTROL;
	for (int i = 0; i < 256; i++) {
		snprintf(s->bytes[i], sizeof(s->bytes[i]), "<0x%02X>", i);
		s->tokens[S_BYTE0 + i] = s->bytes[i];
		s->types[S_BYTE0 + i] = TOK_BYTE;
	}
	for (int i = S_SP; i < S_N; i++) {
		s->tokens[i] = pieces[i - S_SP];
		s->types[i] = TOK_NORMAL;
		s->scores[i] = piece_scores[i - S_SP];
	}
	for (int i = 0; i < S_SP; i++)
		s->scores[i] = 0;
	s->v = (struct vocab){"llama", NULL, s->tokens, S_N, s->types, S_N, s->scores, S_N, NULL, 0, -2, -2,
	                      add_space_prefix, NULL};
}

static struct tokenizer *spm_tokenizer(int add_space_prefix)
{
	struct spm_vocab s;
	spm_vocab_init(&s, add_space_prefix);
	struct error e;
	struct tokenizer *t = load_vocab(&s.v, &e);
	if (!t)
		test_fail(__FILE__, __LINE__, "loading the SPM vocabulary: %s", e.msg);
	return t;
}

#define BYTE(b) (S_BYTE0 + (b))

TEST(spm_encode)
{
	struct tokenizer *t = spm_tokenizer(-1);
	if (!t)
		return;
	ENC(t, "abc", S_SPA, S_BC);  /* bc (-0.5) before ▁a (-1); ▁abc is no token */
	ENC(t, "ab", S_SPAB);        /* ▁a (-1) before ab (-2), then ▁ab */
	ENC(t, "ba", S_SP, S_B, S_A);
	ENC(t, "a b", S_SPA, S_SP, S_B);
	ENC(t, "  a", S_SPSP, S_SPA);
	ENC(t, "z", S_SP, BYTE('z')); /* byte fallback */
	ENC(t, "é", S_SP, S_EACUTE);
	ENC(t, "ü", S_SP, BYTE(0xC3), BYTE(0xBC));
	ENC(t, "\xFF" "a", S_SP, BYTE(0xFF), S_A);
	ENC_OPT(t, "ab", 1, 0, S_BOS, S_SPAB);
	/* specials: a space prefix follows each special token */
	ENC_OPT(t, "<s>a", 0, 1, S_BOS, S_SPA);
	ENC_OPT(t, "<s>a", 0, 0, S_SP, BYTE('<'), BYTE('s'), BYTE('>'), S_A);
	ENC_OPT(t, "a</s>b", 0, 1, S_SPA, S_EOS, S_SP, S_B);
	CHECK_EQ_INT(tokenizer_bos(t), S_BOS); /* SentencePiece defaults without the keys */
	CHECK_EQ_INT(tokenizer_eos(t), S_EOS);
	CHECK(tokenizer_is_eog(t, S_EOS));
	CHECK_EQ_INT(tokenizer_add_bos(t), 1);
	int32_t ids[] = {S_BOS, S_SPSP, S_SPA, BYTE(0xC3), BYTE(0xBC), S_UNK, S_EOS};
	size_t len;
	char *s = tokenizer_decode(t, ids, COUNTOF(ids), TOK_DECODE_STRIP_PREFIX, &len);
	CHECKF(strcmp(s, "  aü▅") == 0, "decoded \"%s\"", s);
	free(s);
	s = tokenizer_decode(t, ids, COUNTOF(ids), 0, &len);
	CHECKF(strcmp(s, "   aü▅") == 0, "decoded \"%s\"", s);
	free(s);
	tokenizer_free(t);
}

TEST(spm_ties_go_left)
{
	struct tokenizer *t = spm_tokenizer(0);
	if (!t)
		return;
	ENC(t, "aaa", S_AA, S_A);
	ENC(t, "aaaa", S_AA, S_AA);
	ENC(t, "ab", S_AB);
	tokenizer_free(t);
}

/* ---- decoding ---- */

TEST(streaming_decoder_holds_split_characters)
{
	struct tokenizer *t = bpe_tokenizer("llama-bpe");
	if (!t)
		return;
	struct tok_decoder *d = tok_decoder_new(t, 0);
	size_t n;
	const char *p = tok_decoder_push(d, 'a', &n);
	CHECK(n == 1 && p[0] == 'a');
	CHECK(tok_decoder_push(d, 0xF0, &n) && n == 0);
	CHECK(tok_decoder_push(d, 0x9F, &n) && n == 0);
	CHECK(tok_decoder_push(d, 0x99, &n) && n == 0);
	p = tok_decoder_push(d, 0x82, &n);
	CHECK(n == 4 && memcmp(p, "🙂", 4) == 0);
	/* a sequence that turns out invalid comes out as the raw bytes */
	CHECK(tok_decoder_push(d, 0xE6, &n) && n == 0);
	p = tok_decoder_push(d, 'x', &n);
	CHECK(n == 2 && memcmp(p, "\xE6x", 2) == 0);
	CHECK(tok_decoder_push(d, 0xC3, &n) && n == 0);
	p = tok_decoder_flush(d, &n);
	CHECK(n == 1 && (unsigned char)p[0] == 0xC3);
	p = tok_decoder_push(d, B_THE, &n);
	CHECK(n == 4 && memcmp(p, " the", 4) == 0);
	CHECK(tok_decoder_push(d, -5, &n) && n == 0);
	tok_decoder_free(d);
	tokenizer_free(t);
}

/* random strings weighted towards the interesting bytes */
static size_t random_text(struct rng *r, char *buf, size_t cap)
{
	static const char *const bits[] = {" ", "  ", "\n", "\r\n", "\t", "a", "b", "c", "he", "llo", "I'M",
	                                   "'s", "123", "4", "!", ",", "é", "東", "🙂", "\xCC\x81", "\xFF",
	                                   "\x80", "\xE6\x9D", "<s>", "<tag>", "<|eot_id|>"};
	size_t len = 0, want = rng_below(r, cap / 4);
	while (len < want) {
		if (rng_below(r, 3) == 0) {
			buf[len++] = (char)rng_below(r, 256);
		} else {
			const char *b = bits[rng_below(r, COUNTOF(bits))];
			size_t n = strlen(b);
			memcpy(buf + len, b, n);
			len += n;
		}
	}
	return len;
}

static void round_trips(struct tokenizer *t, uint64_t seed, int spm)
{
	struct rng r;
	rng_seed(&r, seed);
	char buf[256];
	for (int it = 0; it < 1000 && !test_failed(); it++) {
		size_t len = random_text(&r, buf, sizeof(buf));
		if (spm && memmem(buf, len, "▁", 3))
			continue; /* SentencePiece reads a literal ▁ back as a space */
		int32_t *ids;
		size_t n, dl;
		struct error e;
		int bos = (int)rng_below(&r, 2);
		if (tokenizer_encode(t, buf, len, bos, 0, &ids, &n, &e) < 0) {
			test_fail(__FILE__, __LINE__, "encode: %s", e.msg);
			return;
		}
		char *back = tokenizer_decode(t, ids, n, TOK_DECODE_STRIP_PREFIX, &dl);
		CHECKF(dl == len && memcmp(back, buf, len) == 0, "round trip %d failed (%zu -> %zu bytes)", it, len,
		       dl);
		free(back);
		free(ids);
		/* special parsing on must not crash either */
		if (tokenizer_encode(t, buf, len, 0, 1, &ids, &n, &e) == 0)
			free(ids);
	}
}

TEST(round_trip_random_bytes_bpe)
{
	static const char *const pres[] = {"llama-bpe", "gpt-2", "default"};
	for (size_t i = 0; i < COUNTOF(pres); i++) {
		struct tokenizer *t = bpe_tokenizer(pres[i]);
		if (!t)
			return;
		round_trips(t, 100 + i, 0);
		tokenizer_free(t);
	}
}

TEST(round_trip_random_bytes_spm)
{
	struct tokenizer *t = spm_tokenizer(-1);
	if (!t)
		return;
	round_trips(t, 200, 1);
	tokenizer_free(t);
	t = spm_tokenizer(0);
	if (!t)
		return;
	round_trips(t, 201, 1);
	tokenizer_free(t);
}

TEST(long_inputs)
{
	/* one 200000-byte letter run is one piece: the merge heap must keep this fast */
	size_t len = 200000;
	char *s = xmalloc(len);
	memset(s, 'a', len);
	struct tokenizer *t = bpe_tokenizer("gpt-2");
	if (t) {
		int32_t *ids;
		size_t n;
		struct error e;
		CHECK(tokenizer_encode(t, s, len, 0, 0, &ids, &n, &e) == 0 && n == len / 2);
		int all = 1;
		for (size_t i = 0; i < n; i++)
			all &= ids[i] == B_AA;
		CHECK(all);
		free(ids);
		memset(s, ' ', len);
		CHECK(tokenizer_encode(t, s, len, 0, 0, &ids, &n, &e) == 0 && n == len / 2);
		free(ids);
		tokenizer_free(t);
	}
	t = spm_tokenizer(0);
	if (t) {
		memset(s, 'a', len);
		int32_t *ids;
		size_t n;
		struct error e;
		CHECK(tokenizer_encode(t, s, len, 0, 0, &ids, &n, &e) == 0 && n == len / 2);
		free(ids);
		tokenizer_free(t);
	}
	free(s);
}

/* ---- malformed vocabularies ---- */

static void expect_error(const struct vocab *v, const char *key, int line)
{
	struct error e = {{0}};
	struct tokenizer *t = load_vocab(v, &e);
	if (t) {
		test_fail(__FILE__, line, "loaded a vocabulary that should fail on %s", key);
		tokenizer_free(t);
	} else if (!strstr(e.msg, key)) {
		test_fail(__FILE__, line, "error \"%s\" does not name %s", e.msg, key);
	}
}

static void w_tokens_as_ints(struct gguf_writer *w)
{
	int32_t v[3] = {1, 2, 3};
	gguf_w_arr_i32(w, "tokenizer.ggml.tokens", v, 3);
}

static void w_merges_as_floats(struct gguf_writer *w)
{
	float v[1] = {1};
	gguf_w_arr_f32(w, "tokenizer.ggml.merges", v, 1);
}

static void w_types_as_strings(struct gguf_writer *w)
{
	const char *v[1] = {"x"};
	gguf_w_arr_str(w, "tokenizer.ggml.token_type", v, 1);
}

static void w_bos_as_string(struct gguf_writer *w) { gguf_w_str(w, "tokenizer.ggml.bos_token_id", "1"); }
static void w_add_bos_as_u32(struct gguf_writer *w) { gguf_w_u32(w, "tokenizer.ggml.add_bos_token", 1); }
static void w_pre_as_u32(struct gguf_writer *w) { gguf_w_u32(w, "tokenizer.ggml.pre", 1); }
static void w_eot_out_of_range(struct gguf_writer *w) { gguf_w_u32(w, "tokenizer.ggml.eot_token_id", 99999); }

#define FAILS(v, key) expect_error(v, key, __LINE__)

TEST(malformed_bpe_vocabularies)
{
	struct bpe_vocab b;
	const char *merges[COUNTOF(bpe_merges)];
#define RESET() (bpe_vocab_init(&b, "llama-bpe"), memcpy(merges, bpe_merges, sizeof(merges)), b.v.merges = merges)
	RESET();
	b.v.model = NULL;
	FAILS(&b.v, "tokenizer.ggml.model");
	RESET();
	b.v.model = "bert";
	FAILS(&b.v, "tokenizer.ggml.model");
	RESET();
	b.v.tokens = NULL;
	FAILS(&b.v, "tokenizer.ggml.tokens");
	RESET();
	b.v.tokens = NULL;
	b.v.extra = w_tokens_as_ints;
	FAILS(&b.v, "tokenizer.ggml.tokens");
	RESET();
	b.v.n_tokens = 0;
	FAILS(&b.v, "tokenizer.ggml.tokens");
	RESET();
	b.v.n_types = B_N - 1;
	FAILS(&b.v, "tokenizer.ggml.token_type");
	RESET();
	b.types[5] = 9;
	FAILS(&b.v, "tokenizer.ggml.token_type");
	RESET();
	b.v.types = NULL;
	b.v.extra = w_types_as_strings;
	FAILS(&b.v, "tokenizer.ggml.token_type");
	RESET();
	b.v.merges = NULL;
	FAILS(&b.v, "tokenizer.ggml.merges");
	RESET();
	b.v.merges = NULL;
	b.v.extra = w_merges_as_floats;
	FAILS(&b.v, "tokenizer.ggml.merges");
	RESET();
	b.v.n_merges = 4;
	merges[2] = "Ġt qq";
	FAILS(&b.v, "tokenizer.ggml.merges");
	RESET();
	b.v.n_merges = 4;
	merges[2] = "Ġthe";
	FAILS(&b.v, "tokenizer.ggml.merges");
	RESET();
	b.v.n_merges = 4;
	merges[3] = "x y"; /* "xy" is no token */
	FAILS(&b.v, "tokenizer.ggml.merges");
	RESET();
	b.v.bos = B_N;
	FAILS(&b.v, "tokenizer.ggml.bos_token_id");
	RESET();
	b.v.eos = 1u << 31;
	FAILS(&b.v, "tokenizer.ggml.eos_token_id");
	RESET();
	b.v.bos = -2;
	b.v.extra = w_bos_as_string;
	FAILS(&b.v, "tokenizer.ggml.bos_token_id");
	RESET();
	b.v.extra = w_eot_out_of_range;
	FAILS(&b.v, "tokenizer.ggml.eot_token_id");
	RESET();
	b.v.extra = w_add_bos_as_u32;
	FAILS(&b.v, "tokenizer.ggml.add_bos_token");
	RESET();
	b.v.pre = "qwen2";
	FAILS(&b.v, "tokenizer.ggml.pre");
	RESET();
	b.v.pre = NULL;
	b.v.extra = w_pre_as_u32;
	FAILS(&b.v, "tokenizer.ggml.pre");
#undef RESET
	/* a vocabulary without some byte tokens loads, and says so when a text needs one */
	bpe_vocab_init(&b, "gpt-2");
	b.tokens['q'] = "q-not-a-byte";
	struct error e;
	struct tokenizer *t = load_vocab(&b.v, &e);
	CHECKF(t != NULL, "%s", t ? "" : e.msg);
	if (t) {
		int32_t *ids;
		size_t n;
		CHECK(tokenizer_encode(t, "aqa", 3, 0, 0, &ids, &n, &e) < 0 && strstr(e.msg, "0x71"));
		ENC(t, "aa", B_AA);
		tokenizer_free(t);
	}
	/* BOS asked for when there is none */
	bpe_vocab_init(&b, "llama-bpe");
	b.v.bos = -2;
	t = load_vocab(&b.v, &e);
	if (t) {
		int32_t *ids;
		size_t n;
		CHECK_EQ_INT(tokenizer_add_bos(t), 0); /* llama-bpe wants BOS, but there is none */
		CHECK(tokenizer_encode(t, "a", 1, 1, 0, &ids, &n, &e) < 0 && strstr(e.msg, "BOS"));
		tokenizer_free(t);
	}
}

TEST(malformed_spm_vocabularies)
{
	struct spm_vocab s;
	spm_vocab_init(&s, -1);
	s.v.scores = NULL;
	FAILS(&s.v, "tokenizer.ggml.scores");
	spm_vocab_init(&s, -1);
	s.v.n_scores = 3;
	FAILS(&s.v, "tokenizer.ggml.scores");
	spm_vocab_init(&s, -1);
	s.v.bos = S_N + 5;
	FAILS(&s.v, "tokenizer.ggml.bos_token_id");
	spm_vocab_init(&s, -1);
	s.v.n_types = 2;
	FAILS(&s.v, "tokenizer.ggml.token_type");
	/* no byte tokens: unknown characters become <unk> */
	spm_vocab_init(&s, -1);
	for (int i = 0; i < 256; i++)
		s.types[S_BYTE0 + i] = TOK_UNUSED, s.bytes[i][1] = 'X';
	struct error e;
	struct tokenizer *t = load_vocab(&s.v, &e);
	CHECKF(t != NULL, "%s", t ? "" : e.msg);
	if (t) {
		ENC(t, "z", S_SP, S_UNK);
		tokenizer_free(t);
	}
}

/* ---- golden vectors against the real Llama-3 vocabulary (opt-in) ---- */

/* The Llama-3 vocabulary cannot be fetched offline, so this runs only when TRIT_LLAMA3_GGUF names
 * a GGUF file that carries it (e.g. the BitNet b1.58 2B4T model). Vectors: the built-in tests of npm
 * llama3-tokenizer-js 1.2.0, which agree with HF tokenizers on the Llama-3 tokenizer.json. */
TEST(llama3_golden_vectors)
{
	const char *path = getenv("TRIT_LLAMA3_GGUF");
	if (!path || !*path) {
		fprintf(stderr, "llama3_golden_vectors: TRIT_LLAMA3_GGUF not set, nothing checked\n");
		return;
	}
	struct gguf g;
	struct error e;
	if (gguf_open(&g, path, &e) < 0) {
		test_fail(__FILE__, __LINE__, "%s", e.msg);
		return;
	}
	struct tokenizer *t = tokenizer_load(&g, &e);
	gguf_close(&g);
	if (!t) {
		test_fail(__FILE__, __LINE__, "%s", e.msg);
		return;
	}
	ENC(t, "grabbed", 59312, 2788);
	ENC(t, " grabbed", 30418);
	ENC(t, "\n", 198);
	ENC(t, " \n", 720);
	ENC(t, "🦙", 9468, 99, 247);
	ENC(t, "This is a test sentence.", 2028, 374, 264, 1296, 11914, 13);
	ENC(t, "Hello world!", 9906, 1917, 0);
	ENC(t, " Hello  world\n\n", 22691, 220, 1917, 271);
	ENC(t, "I'm 12345 tokens", 40, 2846, 220, 4513, 1774, 11460);
	ENC(t, "naïve café 東京 🙂", 3458, 38672, 588, 53050, 119109, 28584);
	ENC_OPT(t, "<|begin_of_text|>User: hi<|eot_id|>Assistant: ", 0, 1, 128000, 1502, 25, 15960, 128009,
	        72803, 25, 220);
	ENC_OPT(t, "Hello world!", 1, 0, 128000, 9906, 1917, 0);
	CHECK(tokenizer_is_eog(t, 128001) && tokenizer_is_eog(t, 128009));
	tokenizer_free(t);
}
