/* cache.h: the on-disk kernel object cache. One file per kernel, <32 hex of the key>.o, holding a
 * header (magic, format version, key, canonical spec text, body length, XXH3-64 of the body) and
 * the object. Files are written to a temp name and rename()d, so many processes can share one
 * cache; a file that fails validation is reported once and treated as a miss. No LLVM here. */
#ifndef TRIT_JIT_CACHE_H
#define TRIT_JIT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "base/util.h"

#define CACHE_FORMAT_VERSION 1

struct cache_key {
	uint8_t b[16]; /* XXH3-128, canonical (big-endian) bytes */
};

/* the key of one kernel object: XXH3-128 over every input that changes the code */
struct cache_key cache_key_of(const char *spec_text, const char *triple, const char *cpu,
                              const char *features, const char *llvm_version, int gen_version);
/* writes the key as 32 lowercase hex digits (+ NUL) */
void cache_key_hex(const struct cache_key *k, char out[33]);
/* "trit_k_" followed by the first 16 hex digits of the key: the kernel's symbol name */
void cache_symbol_name(const struct cache_key *k, char out[24]);
/* cache_dir + "/kernels" into buf; returns buf */
const char *cache_kernels_dir(const char *cache_dir, char *buf, size_t len);

/* Looks k up in dir. Returns 1 and a malloc'd body when a valid entry for spec_text exists, 0 when
 * there is none or it is invalid (an invalid file is reported to log, once per process). */
int cache_load(const char *dir, const struct cache_key *k, const char *spec_text, const struct log_sink *log,
               void **body, size_t *len);
/* stores body under k (creating dir); -1 with a message on failure, nothing half-written */
int cache_store(const char *dir, const struct cache_key *k, const char *spec_text, const void *body,
                size_t len, struct error *e);

/* one entry as listed by cache_list */
struct cache_entry {
	char hex[33];
	char spec[256];
	uint64_t size;    /* whole file, bytes */
	double age;       /* seconds since the last modification */
	const char *why;  /* NULL when the file validates, else what is wrong with it */
};

/* calls fn for every *.o in dir (validating each); returns the number of entries or -1 */
int cache_list(const char *dir, void (*fn)(const struct cache_entry *, void *), void *arg,
               struct error *e);
/* removes every cache file (and stale temp file) in dir; returns the number removed or -1 */
int cache_clear(const char *dir, struct error *e);

#endif
