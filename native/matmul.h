/*
 * vaekit's own single-precision GEMM (native/matmul.c): the addon's matmuls where no OpenBLAS loads.
 *
 *   C[m, n] = op(A)[m, k] · op(B)[k, n] + beta · C      row-major float32; op = identity or transpose
 *
 * Cache-blocked the BLIS way (panels of op(A) and op(B) packed into contiguous micro-panels, an
 * mr × nr register microkernel), single-threaded: the caller splits a product over its threads.
 * Three microkernels, chosen at run time from the CPU's feature bits: AVX-512 (x86-64 with
 * AVX-512F), AVX2 + FMA, and portable C for any other CPU.
 */
#ifndef VAEKIT_MATMUL_H
#define VAEKIT_MATMUL_H

#include <stdint.h>

typedef enum { VK_GEMM_PORTABLE = 0, VK_GEMM_AVX2 = 1, VK_GEMM_AVX512 = 2, VK_GEMM_KERNELS = 3 } vk_gemm_kernel;

/* Whether this CPU runs `kernel` (the portable one always). */
int vk_gemm_supported(vk_gemm_kernel kernel);

/* The fastest microkernel this CPU runs. */
vk_gemm_kernel vk_gemm_best(void);

/* The microkernel's name with its tile, e.g. "avx512 12x32". */
const char *vk_gemm_name(vk_gemm_kernel kernel);

/* The microkernel's tile: rows mr and columns nr of C it computes at once. */
void vk_gemm_tile(vk_gemm_kernel kernel, int *mr, int *nr);

/* Parses "avx512", "avx2" or "portable"; returns VK_GEMM_KERNELS for anything else. */
vk_gemm_kernel vk_gemm_parse(const char *name);

/*
 * C = op(A) · op(B) + beta · C on one thread with `kernel` (which the CPU must support):
 * op(A) is [m, k] (A stored [m, lda] or, transposed, [k, lda]), op(B) is [k, n] (B stored [k, ldb]
 * or, transposed, [n, ldb]), C is [m, ldc]. beta = 0 overwrites C (never reads it, so NaN in C does
 * not survive). Returns 0, or -1 when the packing buffers cannot be allocated (C is then unchanged
 * only where beta = 1 and k = 0).
 */
int vk_sgemm(vk_gemm_kernel kernel, int transA, int transB, int64_t m, int64_t n, int64_t k, const float *a,
             int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

#endif
