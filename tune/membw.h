/* membw.h: the machine's streaming read bandwidth, measured the way kernels read weights: each thread
 * sums its own part of a buffer larger than any cache (huge pages where the OS gives them, like the
 * kernel benchmark's weight copies), with software prefetch `ahead` bytes ahead or none. The
 * denominator of `trit bench -m`'s decode roofline and of `trit bench --kernels`' %bw. */
#ifndef TRIT_MEMBW_H
#define TRIT_MEMBW_H

#include <stddef.h>

/* GB/s (1e9 bytes per second) reading `bytes` split over `threads` threads, prefetching `ahead` bytes
 * ahead (0: the hardware prefetchers only), fastest of `reps` passes after one that touches the pages */
double membw_read_gbs(size_t bytes, int threads, int reps, size_t ahead);
/* how the buffer is read: "AVX2 loads, 8 accumulators" or the scalar form */
const char *membw_how(void);

#endif
