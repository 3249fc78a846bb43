/* records_log.c: the append-only log records.jsonl: appending one record, reading them all. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tune/tunedb.h"

int tunedb_append(const char *path, const struct tune_record *r, struct error *e)
{
	char line[4096];
	if (tune_record_format(r, line + 1, sizeof line - 1) < 0)
		return errorf(e, "tuning record too long");
	char dir[4200];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir_p(dir, e) < 0)
			return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return errorf(e, "cannot open %s: %s", path, strerror(errno));
	/* a previous writer that died mid-line leaves no newline: start on a fresh line */
	struct stat st;
	char last = '\n';
	if (fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	const char *p = last == '\n' ? line + 1 : line;
	line[0] = '\n';
	size_t len = strlen(p);
	ssize_t w = write(fd, p, len);
	int err = errno;
	close(fd);
	if (w != (ssize_t)len)
		return errorf(e, "cannot append to %s: %s", path, w < 0 ? strerror(err) : "short write");
	return 0;
}

int tunedb_read_text(const char *path, char **text, struct error *e)
{
	size_t len;
	struct error re;
	if ((*text = read_file(path, &len, &re)))
		return 1;
	return access(path, F_OK) != 0 ? 0 : errorf(e, "%s", re.msg);
}

int tunedb_read(const char *path, const struct log_sink *log, struct tune_record **out, struct error *e)
{
	*out = NULL;
	char *text;
	int got = tunedb_read_text(path, &text, e);
	if (got <= 0)
		return got;
	int n = 0, cap = 0, bad = 0, first_bad = 0;
	struct error first_why = {{0}};
	int lineno = 0;
	for (char *p = text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		lineno++;
		if (strspn(p, " \t\r") == strlen(p))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			*out = xrealloc(*out, (size_t)cap * sizeof **out);
		}
		struct error why;
		if (tune_record_parse(p, &(*out)[n], &why) < 0) {
			if (!bad++) {
				first_bad = lineno;
				first_why = why;
			}
			continue;
		}
		n++;
	}
	if (bad)
		log_to(log, LOG_WARN, "%s: skipped %d unreadable record%s (first at line %d: %s)", path, bad,
		       bad > 1 ? "s" : "", first_bad, first_why.msg);
	free(text);
	return n;
}
