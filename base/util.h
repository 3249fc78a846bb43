/* util.h: errors, checked allocation and small file helpers shared by every stage. */
#ifndef TRIT_UTIL_H
#define TRIT_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A recoverable error: a library function that fails fills one and returns -1 (or NULL). */
struct error {
	char msg[512];
};

/* formats msg into e (if e is not NULL) and returns -1 */
int errorf(struct error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* prints "trit: MSG" to stderr and exits with status 1: for user errors in the CLI */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* prints "trit: warning: MSG" to stderr */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* malloc/calloc/realloc/strdup that die on exhaustion */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* malloc of n bytes aligned to align (a power of two), freed with free() */
void *xaligned_alloc(size_t align, size_t n);

/* reads a whole file into a NUL-terminated buffer; returns NULL and fills e on failure */
char *read_file(const char *path, size_t *len, struct error *e);
/* writes len bytes to path through a temp file and rename(); nothing is left behind on failure */
int write_file_atomic(const char *path, const void *data, size_t len, struct error *e);
/* creates a directory and its parents (mkdir -p) */
int mkdir_p(const char *path, struct error *e);

/* monotonic time in seconds */
double now_seconds(void);
/* 1 when s ends with suffix */
int ends_with(const char *s, const char *suffix);

#define COUNTOF(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
