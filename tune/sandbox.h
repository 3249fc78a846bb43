/* sandbox.h: runs a function in a forked child so that its crash, abort (LLVM's) or hang costs one
 * result, not the caller's process. The child sees the caller's memory as it was at the fork (how
 * large read-only inputs travel) and sends back one fixed-size result through a pipe. */
#ifndef TRIT_SANDBOX_H
#define TRIT_SANDBOX_H

#include <signal.h>
#include <stddef.h>

struct sandbox {
	double timeout;                    /* seconds the child may take */
	int crash;                         /* 1: the child raises SIGSEGV instead of calling fn (tests) */
	const volatile sig_atomic_t *stop; /* when set (by a SIGINT handler), stop waiting; may be NULL */
};

/* runs fn(arg, out) in a child, out zeroed first there, and copies the child's out (size bytes)
 * back. 0 when it came back whole; -1 when not, out zeroed and why saying what happened ("timed
 * out after 2.0 s", "crashed: signal 11", "child exited with status 3 and no result", "fork:
 * ..."); -2 when *sb->stop was set while the result was missing (the child is killed, out zeroed) */
int sandbox_run(const struct sandbox *sb, void (*fn)(void *arg, void *out), void *arg, void *out, size_t size,
                char *why, size_t whylen);

#endif
