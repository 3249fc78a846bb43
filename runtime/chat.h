/* chat.h: chat prompt formats: BitNet b1.58 2B4T ("System: …<|eot_id|>User: …<|eot_id|>Assistant: "),
 * Llama-3 (header tokens) and Falcon3 (<|user|> tags), detected from the file's template and
 * vocabulary. The text of each turn is rendered here; the KV cache keeps the history. */
#ifndef TRIT_CHAT_H
#define TRIT_CHAT_H

#include <stddef.h>

#include "format/gguf.h"

enum chat_format { CHAT_BITNET, CHAT_LLAMA3, CHAT_FALCON3 };

/* the format a model wants: from tokenizer.chat_template when it names one, else from the
 * special tokens in its vocabulary */
enum chat_format chat_detect(const struct gguf *g);
/* "bitnet", "llama3", "falcon3" */
const char *chat_format_name(enum chat_format f);
/* parses a --chat-template name; -1 when unknown */
int chat_format_parse(const char *name, enum chat_format *out);
/* the text that opens the conversation (the system message when sys is not NULL; no BOS) as a
 * malloc'd string */
char *chat_render_start(enum chat_format f, const char *sys);
/* the text of one user turn followed by the assistant's header, as a malloc'd string */
char *chat_render_user(enum chat_format f, const char *msg);
/* the text that closes an assistant turn after its end-of-turn token (often ""), malloc'd */
char *chat_render_after_reply(enum chat_format f);

#endif
