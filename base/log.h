/* log.h: where library code sends messages: a sink the embedding program gives (the CLI prints them
 * on stderr; a server may keep them). Library code never prints on its own. */
#ifndef TRIT_LOG_H
#define TRIT_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* a message callback; fn NULL drops every message */
struct log_sink {
	void (*fn)(void *user, int level, const char *msg);
	void *user;
};

/* formats a message and hands it to the sink (s or s->fn NULL: dropped) */
void log_to(const struct log_sink *s, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
