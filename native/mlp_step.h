/*
 * The MLP VAE's whole training step in one native call (native/mlp_step.c), and the two things it
 * takes from the addon's core (native/vaekit_native.c): the multithreaded GEMM, its thread count and column sums.
 */
#ifndef VAEKIT_MLP_STEP_H
#define VAEKIT_MLP_STEP_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>

/*
 * C[m, n] = op(A) · op(B) (+ bias[n] on every row when bias != NULL), row-major float32, contiguous
 * (lda = transA ? m : k, ldb = transB ? k : n, ldc = n), on the GEMM load() chose, split over the
 * addon's threads when large. Returns 0, or -1 when out of memory for packing buffers.
 */
int vk_gemm_threaded(int transA, int transB, int64_t m, int64_t n, int64_t k, const float *a, const float *b, float *c,
                     const float *bias);

/* out[c] = Σ_r x[r, c] over a row-major [rows, cols] matrix, accumulated in double (acc: cols doubles). */
void vk_sum_rows(const float *x, float *out, int64_t rows, int64_t cols, double *acc);

/* Whether load() has chosen a GEMM; and the threads a large product is split over. */
int vk_gemm_is_ready(void);
int vk_gemm_thread_count(void);

/* mlpVaeStep(heap, descriptor): see native/mlp_step.c. */
napi_value vk_js_mlp_vae_step(napi_env env, napi_callback_info info);

#endif
