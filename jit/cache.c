#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "base/log.h"
#include "jit/cache.h"

static const char MAGIC[8] = {'T', 'R', 'I', 'T', 'K', 'O', 'B', '\n'};
enum { HEADER_SIZE = 48, MAX_SPEC = 4096 };

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void hash_field(XXH3_state_t *st, const char *s)
{
	XXH3_128bits_update(st, s, strlen(s) + 1); /* the NUL separates fields */
}

struct cache_key cache_key_of(const char *spec_text, const char *triple, const char *cpu,
                              const char *features, const char *llvm_version, int gen_version)
{
	char versions[64];
	snprintf(versions, sizeof(versions), "gen=%d cache=%d", gen_version, CACHE_FORMAT_VERSION);
	XXH3_state_t *st = XXH3_createState();
	if (!st)
		die("out of memory");
	XXH3_128bits_reset(st);
	hash_field(st, spec_text);
	hash_field(st, triple);
	hash_field(st, cpu);
	hash_field(st, features);
	hash_field(st, llvm_version);
	hash_field(st, versions);
	XXH128_hash_t h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, h);
	struct cache_key k;
	memcpy(k.b, c.digest, sizeof(k.b));
	return k;
}

void cache_key_hex(const struct cache_key *k, char out[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", k->b[i]);
}

void cache_symbol_name(const struct cache_key *k, char out[24])
{
	char hex[33];
	cache_key_hex(k, hex);
	snprintf(out, 24, "trit_k_%.16s", hex);
}

const char *cache_kernels_dir(const char *cache_dir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/kernels", cache_dir);
	return buf;
}

/* checks a whole cache file; returns NULL when it is valid, else what is wrong.
 * want_key/want_spec may be NULL (listing); on success *spec and *body point into buf. */
static const char *validate(const uint8_t *buf, size_t n, const struct cache_key *want_key,
                            const char *want_spec, const char **spec, size_t *spec_len,
                            const uint8_t **body, size_t *body_len)
{
	if (n < HEADER_SIZE)
		return "truncated header";
	if (memcmp(buf, MAGIC, sizeof(MAGIC)) != 0)
		return "not a trit cache file (bad magic)";
	if (get_u32(buf + 8) != CACHE_FORMAT_VERSION)
		return "cache format version mismatch";
	uint32_t sl = get_u32(buf + 12);
	uint64_t bl = get_u64(buf + 32);
	if (sl > MAX_SPEC || bl > n || (uint64_t)HEADER_SIZE + sl + bl != n)
		return n < (uint64_t)HEADER_SIZE + sl + bl ? "truncated" : "length mismatch";
	if (want_key && memcmp(buf + 16, want_key->b, 16) != 0)
		return "key in the header does not match the file name";
	const uint8_t *b = buf + HEADER_SIZE + sl;
	if (XXH3_64bits(b, (size_t)bl) != get_u64(buf + 40))
		return "body checksum mismatch";
	if (want_spec && (strlen(want_spec) != sl || memcmp(buf + HEADER_SIZE, want_spec, sl) != 0))
		return "spec in the header does not match";
	*spec = (const char *)buf + HEADER_SIZE;
	*spec_len = sl;
	*body = b;
	*body_len = (size_t)bl;
	return NULL;
}

/* file names already reported as invalid by this process */
static pthread_mutex_t warned_lock = PTHREAD_MUTEX_INITIALIZER;
static char **warned;
static int nwarned;

static void warn_once(const struct log_sink *log, const char *path, const char *why)
{
	pthread_mutex_lock(&warned_lock);
	int seen = 0;
	for (int i = 0; i < nwarned && !seen; i++)
		seen = strcmp(warned[i], path) == 0;
	if (!seen) {
		warned = xrealloc(warned, sizeof(*warned) * (size_t)(nwarned + 1));
		warned[nwarned++] = xstrdup(path);
		log_to(log, LOG_WARN, "kernel cache file %s is invalid (%s); regenerating it", path, why);
	}
	pthread_mutex_unlock(&warned_lock);
}

static void entry_path(const char *dir, const struct cache_key *k, char *out, size_t len)
{
	char hex[33];
	cache_key_hex(k, hex);
	snprintf(out, len, "%s/%s.o", dir, hex);
}

int cache_load(const char *dir, const struct cache_key *k, const char *spec_text, const struct log_sink *log,
               void **body, size_t *len)
{
	char path[4300];
	entry_path(dir, k, path, sizeof(path));
	if (access(path, F_OK) != 0)
		return 0;
	size_t n;
	struct error e;
	uint8_t *buf = (uint8_t *)read_file(path, &n, &e);
	if (!buf) {
		warn_once(log, path, e.msg);
		return 0;
	}
	const char *spec;
	const uint8_t *b;
	size_t sl, bl;
	const char *why = validate(buf, n, k, spec_text, &spec, &sl, &b, &bl);
	if (why) {
		warn_once(log, path, why);
		free(buf);
		return 0;
	}
	*body = xmalloc(bl ? bl : 1);
	memcpy(*body, b, bl);
	*len = bl;
	free(buf);
	return 1;
}

int cache_store(const char *dir, const struct cache_key *k, const char *spec_text, const void *body,
                size_t len, struct error *e)
{
	size_t sl = strlen(spec_text);
	if (sl > MAX_SPEC)
		return errorf(e, "spec text too long for the cache (%zu bytes)", sl);
	if (mkdir_p(dir, e) < 0)
		return -1;
	size_t n = HEADER_SIZE + sl + len;
	uint8_t *buf = xmalloc(n);
	memcpy(buf, MAGIC, sizeof(MAGIC));
	put_u32(buf + 8, CACHE_FORMAT_VERSION);
	put_u32(buf + 12, (uint32_t)sl);
	memcpy(buf + 16, k->b, 16);
	put_u64(buf + 32, len);
	put_u64(buf + 40, XXH3_64bits(body, len));
	memcpy(buf + HEADER_SIZE, spec_text, sl);
	memcpy(buf + HEADER_SIZE + sl, body, len);
	char path[4300];
	entry_path(dir, k, path, sizeof(path));
	int r = write_file_atomic(path, buf, n, e);
	free(buf);
	return r;
}

/* 1 when name is "<32 hex>.o" */
static int is_entry_name(const char *name)
{
	if (strlen(name) != 34 || strcmp(name + 32, ".o") != 0)
		return 0;
	for (int i = 0; i < 32; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return 0;
	return 1;
}

/* 1 when name is a temp file cache_store left behind ("<32 hex>.o.tmp.PID") */
static int is_temp_name(const char *name)
{
	return strlen(name) > 38 && strncmp(name + 32, ".o.tmp.", 7) == 0;
}

int cache_list(const char *dir, void (*fn)(const struct cache_entry *, void *), void *arg,
               struct error *e)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return errorf(e, "%s: %s", dir, strerror(errno));
	}
	int count = 0;
	struct dirent *de;
	time_t now = time(NULL);
	while ((de = readdir(d))) {
		if (!is_entry_name(de->d_name))
			continue;
		char path[4400];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct cache_entry ce;
		memset(&ce, 0, sizeof(ce));
		memcpy(ce.hex, de->d_name, 32);
		struct stat st;
		if (stat(path, &st) == 0) {
			ce.size = (uint64_t)st.st_size;
			ce.age = difftime(now, st.st_mtime);
		}
		struct cache_key k;
		for (int i = 0; i < 16; i++)
			k.b[i] = (uint8_t)strtoul((char[]){ce.hex[2 * i], ce.hex[2 * i + 1], 0}, NULL, 16);
		size_t n;
		struct error re;
		uint8_t *buf = (uint8_t *)read_file(path, &n, &re);
		if (!buf) {
			ce.why = "unreadable";
		} else {
			const char *spec;
			const uint8_t *b;
			size_t sl, bl;
			ce.why = validate(buf, n, &k, NULL, &spec, &sl, &b, &bl);
			if (!ce.why)
				snprintf(ce.spec, sizeof(ce.spec), "%.*s", (int)sl, spec);
			free(buf);
		}
		fn(&ce, arg);
		count++;
	}
	closedir(d);
	return count;
}

int cache_clear(const char *dir, struct error *e)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return errorf(e, "%s: %s", dir, strerror(errno));
	}
	int removed = 0, failed = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_entry_name(de->d_name) && !is_temp_name(de->d_name))
			continue;
		char path[4400];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) == 0)
			removed++;
		else if (!failed++)
			errorf(e, "%s: %s", path, strerror(errno));
	}
	closedir(d);
	return failed ? -1 : removed;
}
