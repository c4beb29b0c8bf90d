/*
 * The MLP VAE's whole training step in one native call (native/mlp_step.c), its log importance
 * weights in another (native/mlp_log_weights.c), the pieces they share (activations, rows over
 * threads, scratch), and what they take from the addon's core (native/vaekit_native.c): the GEMM on
 * all threads or on one, its thread count and column sums.
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

/* Activation codes of the MLP descriptors (src/node/compute/native-engine.ts's ACTIVATION_CODES). */
enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_ELU = 2, ACT_SIGMOID = 3, ACT_TANH = 4, ACT_SELU = 5, ACT_SOFTPLUS = 6, ACT_SWISH = 7 };
/* Likelihood codes: Bernoulli on logits; Gaussian with one log σ²; Gaussian with log σ²_d per dimension. */
enum { LIK_BERNOULLI = 0, LIK_GAUSSIAN = 1, LIK_GAUSSIAN_DIAG = 2 };

/* h = act(a) elementwise over `count` floats (a and h distinct), tfjs's activations in float32. */
void vk_activate(const float *restrict a, float *restrict h, int64_t count, int act);

/* fn(ctx, r0, r1) over [0, rows) in `threads` (≤ 16) contiguous shares, on the pool's workers (native/pool.h) besides the
 * caller's (deterministic: each row's result does not depend on the split). */
typedef void (*vk_rows_fn)(void *ctx, int64_t r0, int64_t r1);
void vk_parallel_rows(vk_rows_fn fn, void *ctx, int64_t rows, int threads);

/* Whether a descriptor's operand, `bytes` long at byte `offset`, lies in a heap of heapBytes: a
 * non-negative integer offset, 4-byte aligned. */
int vk_in_heap(double offset, double bytes, int64_t heapBytes);

/* The calling thread's scratch block, at least `bytes` long (kept for the thread's next call, shared
 * by the calls below); NULL when out of memory. */
char *vk_scratch(size_t bytes);

/* C[m, n] = A[m, k] · B[k, n] + bias[n] (bias may be NULL), contiguous row-major, on the calling
 * thread alone. Returns 0, or -1 when out of memory for packing buffers. */
int vk_gemm_single(int64_t m, int64_t n, int64_t k, const float *a, const float *b, float *c, const float *bias);

/* mlpVaeStep(heap, descriptor): see native/mlp_step.c. */
napi_value vk_js_mlp_vae_step(napi_env env, napi_callback_info info);

/* mlpLogWeights(heap, descriptor): see native/mlp_log_weights.c. */
napi_value vk_js_mlp_log_weights(napi_env env, napi_callback_info info);

/* The (heap: ArrayBuffer, descriptor: Float64Array) arguments of a descriptor call named `name`:
 * 1, or 0 with a JavaScript error thrown (the GEMM not loaded: Error; other arguments: TypeError). */
int vk_descriptor_args(napi_env env, napi_callback_info info, const char *name, char **base, int64_t *heapBytes,
                       const double **desc, size_t *descLength);

/* The same arguments for a call that needs no GEMM: 1, or 0 with a TypeError thrown. */
int vk_heap_descriptor_args(napi_env env, napi_callback_info info, const char *name, char **base, int64_t *heapBytes,
                            const double **desc, size_t *descLength);

#endif
