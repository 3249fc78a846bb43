#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/test.h"

struct test {
	const char *name;
	test_fn fn;
};

static struct test tests[512];
static int ntests, failed, skipped;
static char failmsg[1024], skipmsg[256];
static char tmpdir[256];

void test_register(const char *name, test_fn fn)
{
	if (ntests < (int)(sizeof(tests) / sizeof(tests[0])))
		tests[ntests++] = (struct test){name, fn};
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	if (failed++)
		return; /* keep the first message */
	int n = snprintf(failmsg, sizeof(failmsg), "%s:%d: ", file, line);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(failmsg + n, sizeof(failmsg) - (size_t)n, fmt, ap);
	va_end(ap);
}

void test_skip(const char *fmt, ...)
{
	skipped = 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(skipmsg, sizeof(skipmsg), fmt, ap);
	va_end(ap);
}

int test_failed(void) { return failed != 0; }

static void remove_tmpdir(void)
{
	if (tmpdir[0]) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

const char *test_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir, sizeof(tmpdir), "%s/trit-test-XXXXXX", base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(2);
		}
		atexit(remove_tmpdir);
	}
	return tmpdir;
}

const char *test_trit(void)
{
	const char *t = getenv("TRIT");
	return t ? t : "./trit";
}

int main(int argc, char **argv)
{
	int pass = 0, fail = 0;
	for (int i = 0; i < ntests; i++) {
		if (argc > 1) {
			int want = 0;
			for (int a = 1; a < argc; a++)
				want |= strcmp(argv[a], tests[i].name) == 0;
			if (!want)
				continue;
		}
		failed = skipped = 0;
		failmsg[0] = skipmsg[0] = 0;
		tests[i].fn();
		if (failed) {
			printf("FAIL %s: %s\n", tests[i].name, failmsg);
			fail++;
		} else if (skipped) {
			printf("SKIP %s: %s\n", tests[i].name, skipmsg);
		} else {
			printf("PASS %s\n", tests[i].name);
			pass++;
		}
		fflush(stdout);
	}
	return fail ? 1 : 0;
}
