/* sandbox.c: fork, a pipe for the result, a poll with a deadline, and the child's fate in words
 * (see sandbox.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "tune/sandbox.h"

static int stopped(const struct sandbox *sb)
{
	return sb->stop && *sb->stop;
}

int sandbox_run(const struct sandbox *sb, void (*fn)(void *arg, void *out), void *arg, void *out, size_t size,
                char *why, size_t whylen)
{
	int fds[2];
	if (pipe(fds) < 0) {
		memset(out, 0, size);
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		memset(out, 0, size);
		snprintf(why, whylen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		if (sb->crash) {
			signal(SIGSEGV, SIG_DFL); /* a real signal death even under ASan's handler */
			raise(SIGSEGV);
		}
		memset(out, 0, size);
		fn(arg, out);
		ssize_t wr = write(fds[1], out, size);
		_exit(wr == (ssize_t)size ? 0 : 3);
	}
	close(fds[1]);
	size_t got = 0;
	double deadline = now_seconds() + sb->timeout;
	int timed_out = 0;
	while (got < size) {
		double left = deadline - now_seconds();
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		struct pollfd p = {fds[0], POLLIN, 0};
		int rc = poll(&p, 1, (int)(left * 1000) + 1);
		if (rc < 0 && errno == EINTR) {
			if (stopped(sb))
				break;
			continue;
		}
		if (rc <= 0)
			continue;
		ssize_t n = read(fds[0], (char *)out + got, size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	if (got < size)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got == size)
		return 0;
	memset(out, 0, size);
	if (stopped(sb))
		return -2;
	if (timed_out)
		snprintf(why, whylen, "timed out after %.1f s", sb->timeout);
	else if (WIFSIGNALED(status))
		snprintf(why, whylen, "crashed: signal %d", WTERMSIG(status));
	else
		snprintf(why, whylen, "child exited with status %d and no result",
		         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return -1;
}
