#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "runtime/chat.h"

static int template_has(const struct gguf *g, const char *needle)
{
	const struct gguf_kv *kv = gguf_find_kv(g, "tokenizer.chat_template");
	if (!kv || kv->type != GGUF_STRING || !kv->strs)
		return 0;
	struct gguf_str s = kv->strs[0];
	size_t n = strlen(needle);
	for (uint64_t i = 0; i + n <= s.len; i++)
		if (!memcmp(s.ptr + i, needle, n))
			return 1;
	return 0;
}

static int vocab_has(const struct gguf *g, const char *tok)
{
	const struct gguf_kv *kv = gguf_find_kv(g, "tokenizer.ggml.tokens");
	if (!kv || kv->type != GGUF_ARRAY || kv->arr_type != GGUF_STRING)
		return 0;
	size_t n = strlen(tok);
	for (uint64_t i = 0; i < kv->count; i++) {
		struct gguf_str s = gguf_arr_str(kv, i);
		if (s.len == n && !memcmp(s.ptr, tok, n))
			return 1;
	}
	return 0;
}

enum chat_format chat_detect(const struct gguf *g)
{
	if (template_has(g, "BITNET") || template_has(g, "Assistant: "))
		return CHAT_BITNET;
	if (template_has(g, "<|start_header_id|>"))
		return CHAT_LLAMA3;
	if (template_has(g, "<|assistant|>"))
		return CHAT_FALCON3;
	char arch[64] = "";
	gguf_get_str(g, "general.architecture", arch, sizeof(arch));
	if (strncmp(arch, "bitnet", 6) != 0) {
		if (vocab_has(g, "<|assistant|>"))
			return CHAT_FALCON3;
		if (vocab_has(g, "<|start_header_id|>"))
			return CHAT_LLAMA3;
	}
	return CHAT_BITNET;
}

const char *chat_format_name(enum chat_format f)
{
	return f == CHAT_LLAMA3 ? "llama3" : f == CHAT_FALCON3 ? "falcon3" : "bitnet";
}

int chat_format_parse(const char *name, enum chat_format *out)
{
	static const char *names[] = {"bitnet", "llama3", "falcon3"};
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, names[i])) {
			*out = (enum chat_format)i;
			return 0;
		}
	return -1;
}

/* a malloc'd string: a, b, c concatenated */
static char *cat3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = xmalloc(la + lb + lc + 1);
	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

/* content with leading and trailing white space removed, as HF's "| trim" does */
static char *trimmed(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	char *t = xmalloc(n + 1);
	memcpy(t, s, n);
	t[n] = 0;
	return t;
}

char *chat_render_start(enum chat_format f, const char *sys)
{
	if (!sys)
		return xstrdup("");
	char *t = trimmed(sys), *r;
	switch (f) {
	case CHAT_LLAMA3:
		r = cat3("<|start_header_id|>system<|end_header_id|>\n\n", t, "<|eot_id|>");
		break;
	case CHAT_FALCON3:
		r = cat3("<|system|>\n", t, "\n");
		break;
	default:
		r = cat3("System: ", t, "<|eot_id|>");
		break;
	}
	free(t);
	return r;
}

char *chat_render_user(enum chat_format f, const char *msg)
{
	char *t = trimmed(msg), *r;
	switch (f) {
	case CHAT_LLAMA3:
		r = cat3("<|start_header_id|>user<|end_header_id|>\n\n", t,
		         "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
		break;
	case CHAT_FALCON3:
		r = cat3("<|user|>\n", t, "\n<|assistant|>\n");
		break;
	default:
		r = cat3("User: ", t, "<|eot_id|>Assistant: ");
		break;
	}
	free(t);
	return r;
}

char *chat_render_after_reply(enum chat_format f) { return xstrdup(f == CHAT_FALCON3 ? "\n" : ""); }
