/* membw.h: the machine's streaming read bandwidth with a given number of threads, measured the way a
 * decoding model reads its weights (each thread streams its own part of a buffer larger than any cache,
 * with software prefetch ahead): the denominator of `trit bench`'s decode roofline. */
#ifndef TRIT_MEMBW_H
#define TRIT_MEMBW_H

#include <stddef.h>

/* GB/s (1e9 bytes per second) reading `bytes` split over `threads` threads, fastest of `reps` passes */
double membw_read_gbs(size_t bytes, int threads, int reps);

#endif
