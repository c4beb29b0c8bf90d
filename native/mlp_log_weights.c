/*
 * The log importance weights of an MLP VAE in one native call, for the importance-sampled
 * log-likelihood (src/evaluation/log-likelihood.ts): the decoder over K·G samples, the likelihood
 * reduced straight to one number per sample, and the prior and posterior terms, on the wasm heap
 * (operands as byte offsets), in place of the ~25 tfjs kernels of `logImportanceWeights`
 * (src/objectives/iwae.ts) and their [K·G, D] temporaries.
 *
 * For sample k of example g (row r = k·G + g of the output), with the encoder's μ_g, logVar_g:
 *   z      = μ_g + exp(½·logVar_g)·ε_kg                                         (ε [K, G, Z], the caller's)
 *   decoder g_0 = [z, c_g]; g_l = act(g_{l-1}·V_l + a_l), l = 1..H; out = g_H·V_o + a_o   ([D])
 *   log w  = log p(x_g | out) + log N(z; 0, I) − log N(z; μ_g, diag exp(logVar_g))      (nats)
 *   log N(z; μ, diag e^v) = −½ Σ_u (log 2π + v_u + (z_u − μ_u)²·e^(−v_u))
 *   likelihood 0 Bernoulli on logits: log p = −Σ_d max(l,0) − l·x + log1p(exp(−|l|))
 *              1 Gaussian, one log σ² s:  log p = −½ (Σ_d (x − m)²·e^(−s) + D·(s + log 2π))
 *              2 Gaussian, log σ²_d per dimension: log p = −½ Σ_d ((x − m)²·e^(−s_d) + s_d + log 2π)
 * (Burda, Grosse & Salakhutdinov 2016, eq. 8; Rezende, Mohamed & Wierstra 2014 and Kingma & Welling
 * 2014 for z.) Float32 like tfjs, with the sums over Z and the three terms in double.
 *
 * The K·G rows are split over the threads in contiguous shares; each thread runs its share in
 * blocks of rows (z, every layer, the likelihood), its products on the GEMM load() chose, one
 * thread each (vk_gemm_single), so the scratch stays bounded whatever K·G and no [K·G, D] tensor is
 * made. Each row's value does not depend on the split or the block size. Scratch lives in the
 * calling thread's block (vk_scratch), off the wasm heap.
 *
 * mlpLogWeights(heap, descriptor): heap the wasm memory's ArrayBuffer, descriptor a Float64Array:
 *   [0] K  [1] G  [2] D  [3] C  [4] Z  [5] H (decoder hidden layers)  [6] decoder activation (ACT_*)
 *   [7] likelihood (LIK_*, 0, 1, 2 above)  [8] x [G, D]  [9] c [G, C] (< 0: none)  [10] μ [G, Z]
 *   [11] logVar [G, Z]  [12] ε [K, G, Z]  [13] log w [K, G] (written)
 *   [14] the likelihood's log σ² (one value, or [D]; < 0 for Bernoulli)
 *   [15] threads (0: the GEMM's, or one below 2^18 logits)
 *   [16] rows per block (0: about 8 MB of scratch per thread)
 *   then H decoder widths (input side first), then for each dense layer of the decoder, hidden 1..H
 *   then output, the byte offsets of its kernel [in, out] and bias [out].
 * Throws TypeError for other arguments, RangeError for bad sizes or codes or an operand outside the
 * heap, and Error (code ENOMEM) when out of memory.
 */
#define _POSIX_C_SOURCE 200809L
#include "mlp_step.h"
#include <math.h>
#include <string.h>

enum { HDR = 17, MAX_HIDDEN = 64, MAX_THREADS = 16 };

static const double LOG_2PI = 1.8378770664093453;

/* glibc's vector math (libmvec): SIMD expf and log1pf without -ffast-math (as native/mlp_step.c). */
float expf(float) __attribute__((simd("notinbranch")));
float log1pf(float) __attribute__((simd("notinbranch")));

typedef struct {
  const float *w, *b;
  int64_t in, out;
} dense_layer;

typedef struct {
  int64_t k, g, d, c, z, h, rowsPerBlock, maxWidth, threadFloats;
  int act, lik, threads;
  const float *x, *cond, *mu, *logVar, *eps, *likLogVar;
  float *logW;
  const dense_layer *layers; /* hidden 1..H, output */
  const float *sd, *ivq;     /* exp(½·logVar), exp(−logVar) [G, Z] */
  const float *ivx;          /* exp(−s_d) [D] (LIK_GAUSSIAN_DIAG) */
  double *sumLogVar;         /* Σ_u (logVar_gu + log 2π) [G] */
  float *threadBlocks;       /* threadFloats per thread */
  int failed[MAX_THREADS];
} log_weights_ctx;

/* log p(x | out) of one row, nats. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static double row_log_lik(const log_weights_ctx *q, const float *restrict xr, const float *restrict lr) {
  const int64_t d = q->d;
  float acc = 0.f;
  if (q->lik == LIK_BERNOULLI) {
#pragma omp simd reduction(+ : acc)
    for (int64_t j = 0; j < d; j++) {
      const float l = lr[j];
      acc += (l > 0.f ? l : 0.f) - l * xr[j] + log1pf(expf(-fabsf(l)));
    }
    return -(double)acc;
  }
  if (q->lik == LIK_GAUSSIAN) {
#pragma omp simd reduction(+ : acc)
    for (int64_t j = 0; j < d; j++) {
      const float e = xr[j] - lr[j];
      acc += e * e;
    }
    const float s = q->likLogVar[0];
    return -0.5 * ((double)acc * (double)expf(-s) + (double)d * ((double)s + LOG_2PI));
  }
  const float *restrict s = q->likLogVar, *restrict iv = q->ivx;
#pragma omp simd reduction(+ : acc)
  for (int64_t j = 0; j < d; j++) {
    const float e = xr[j] - lr[j];
    acc += e * e * iv[j] + s[j];
  }
  return -0.5 * ((double)acc + (double)d * LOG_2PI);
}

/* Thread t of q->threads: rows [R·t/T, R·(t+1)/T), in blocks. */
static void log_weights_share(void *arg, int64_t t0, int64_t t1) {
  log_weights_ctx *q = (log_weights_ctx *)arg;
  const int64_t rows = q->k * q->g, G = q->g, Z = q->z, C = q->c, D = q->d, H = q->h, in0 = Z + C;
  for (int64_t t = t0; t < t1; t++) {
    const int64_t r0 = rows * t / q->threads, r1 = rows * (t + 1) / q->threads;
    double *latent = (double *)(q->threadBlocks + t * q->threadFloats); /* log p(z) − log q(z|x) [RB] */
    float *decIn = (float *)(latent + q->rowsPerBlock);                  /* [RB, Z + C] */
    float *pre = decIn + q->rowsPerBlock * in0;                          /* [RB, maxWidth] */
    float *post = pre + q->rowsPerBlock * q->maxWidth;                   /* [RB, maxWidth] */
    float *out = post + q->rowsPerBlock * q->maxWidth;                   /* [RB, D] */
    for (int64_t b0 = r0; b0 < r1; b0 += q->rowsPerBlock) {
      const int64_t n = r1 - b0 < q->rowsPerBlock ? r1 - b0 : q->rowsPerBlock;
      /* z and its two log-densities, row by row. */
      for (int64_t i = 0; i < n; i++) {
        const int64_t r = b0 + i, g = r % G;
        const float *m = q->mu + g * Z, *sd = q->sd + g * Z, *iv = q->ivq + g * Z, *e = q->eps + r * Z;
        float *zr = decIn + i * in0;
        double sumSq = 0.0, sumQ = 0.0;
        for (int64_t u = 0; u < Z; u++) {
          const float zu = m[u] + sd[u] * e[u], dz = zu - m[u];
          zr[u] = zu;
          sumSq += (double)(zu * zu);
          sumQ += (double)(dz * dz * iv[u]);
        }
        if (C > 0) memcpy(zr + Z, q->cond + g * C, (size_t)C * 4);
        /* log p(z) − log q(z|x) = −½ (Σ z² + Z log 2π) + ½ (Σ (z − μ)² e^(−v) + Σ (v + log 2π)) */
        latent[i] = -0.5 * (sumSq + (double)Z * LOG_2PI) + 0.5 * (sumQ + q->sumLogVar[g]);
      }
      /* The decoder, layer by layer on this block. */
      const float *h = decIn;
      for (int64_t l = 0; l < H; l++) {
        const dense_layer *L = q->layers + l;
        q->failed[t] |= vk_gemm_single(n, L->out, L->in, h, L->w, pre, L->b);
        vk_activate(pre, post, n * L->out, q->act);
        h = post;
      }
      const dense_layer *O = q->layers + H;
      q->failed[t] |= vk_gemm_single(n, D, O->in, h, O->w, out, O->b);
      for (int64_t i = 0; i < n; i++) {
        const int64_t r = b0 + i;
        q->logW[r] = (float)(row_log_lik(q, q->x + (r % G) * D, out + i * D) + latent[i]);
      }
    }
  }
}

#define FAIL_RANGE(msg)                                                     \
  do {                                                                      \
    napi_throw_range_error(env, NULL, "vaekit native mlpLogWeights: " msg); \
    return NULL;                                                            \
  } while (0)

napi_value vk_js_mlp_log_weights(napi_env env, napi_callback_info info) {
  char *base = NULL;
  int64_t hb = 0;
  const double *v = NULL;
  size_t descLength = 0;
  if (!vk_descriptor_args(env, info, "mlpLogWeights", &base, &hb, &v, &descLength)) return NULL;
  if (descLength < HDR) FAIL_RANGE("descriptor too short");
  for (int i = 0; i < 8; i++)
    if (v[i] != floor(v[i]) || fabs(v[i]) > 1e12) FAIL_RANGE("sizes and codes must be integers");
  const int64_t K = (int64_t)v[0], G = (int64_t)v[1], D = (int64_t)v[2], C = (int64_t)v[3], Z = (int64_t)v[4], H = (int64_t)v[5];
  const int act = (int)v[6], lik = (int)v[7];
  if (K < 1 || G < 1 || D < 1 || C < 0 || Z < 1 || H < 0 || H > MAX_HIDDEN || act < ACT_LINEAR || act > ACT_SWISH ||
      lik < LIK_BERNOULLI || lik > LIK_GAUSSIAN_DIAG)
    FAIL_RANGE("bad sizes or codes");
  if ((int64_t)descLength != HDR + H + 2 * (H + 1)) FAIL_RANGE("descriptor length does not match its layer count");
  dense_layer layers[MAX_HIDDEN + 1];
  int64_t in = Z + C, maxWidth = 1;
  for (int64_t l = 0; l <= H; l++) {
    const int64_t out = l < H ? (int64_t)v[HDR + l] : D;
    if (out < 1 || (double)out != (l < H ? v[HDR + l] : (double)D)) FAIL_RANGE("a hidden width < 1");
    const double wOff = v[HDR + H + 2 * l], bOff = v[HDR + H + 2 * l + 1];
    if (!vk_in_heap(wOff, (double)in * (double)out * 4, hb) || !vk_in_heap(bOff, (double)out * 4, hb))
      FAIL_RANGE("a layer's operand lies outside the heap");
    layers[l] = (dense_layer){(const float *)(base + (int64_t)wOff), (const float *)(base + (int64_t)bOff), in, out};
    if (l < H && out > maxWidth) maxWidth = out;
    in = out;
  }
  const double rows = (double)K * (double)G;
  if (!vk_in_heap(v[8], (double)G * D * 4, hb) || (C > 0 && !vk_in_heap(v[9], (double)G * C * 4, hb)) ||
      !vk_in_heap(v[10], (double)G * Z * 4, hb) || !vk_in_heap(v[11], (double)G * Z * 4, hb) ||
      !vk_in_heap(v[12], rows * Z * 4, hb) || !vk_in_heap(v[13], rows * 4, hb) ||
      (lik != LIK_BERNOULLI && !vk_in_heap(v[14], (lik == LIK_GAUSSIAN_DIAG ? (double)D : 1.0) * 4, hb)))
    FAIL_RANGE("an operand lies outside the heap");

  log_weights_ctx q = {.k = K, .g = G, .d = D, .c = C, .z = Z, .h = H, .maxWidth = maxWidth, .act = act, .lik = lik};
  q.x = (const float *)(base + (int64_t)v[8]);
  q.cond = C > 0 ? (const float *)(base + (int64_t)v[9]) : NULL;
  q.mu = (const float *)(base + (int64_t)v[10]);
  q.logVar = (const float *)(base + (int64_t)v[11]);
  q.eps = (const float *)(base + (int64_t)v[12]);
  q.logW = (float *)(base + (int64_t)v[13]);
  q.likLogVar = lik != LIK_BERNOULLI ? (const float *)(base + (int64_t)v[14]) : NULL;
  q.layers = layers;
  /* Threads: as told, else the GEMM's, or one for a small call (a thread costs more than it saves). */
  int threads = v[15] >= 1 ? (v[15] < MAX_THREADS ? (int)v[15] : MAX_THREADS) : vk_gemm_thread_count();
  if (v[15] < 1 && rows * (double)D < (double)(1 << 18)) threads = 1;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if ((double)threads > rows) threads = (int)rows;
  q.threads = threads;
  /* Rows per block: about 8 MB of a block's layers and output per thread, in whole microkernel tiles.
   * Large blocks pay: each product packs the layer's whole kernel again (1.25 MB at MNIST's 400 × 784),
   * while the likelihood's pass runs as fast from L3 as from L2 (MNIST, K = 5000: 10.5 ms a call with
   * blocks of 768 or 2500 rows, 10.7 with 384, 11.6 with 96). */
  const int64_t rowFloats = Z + C + 2 * maxWidth + D + 2;
  const int64_t share = (K * G + threads - 1) / threads; /* rows of the largest share */
  int64_t rb = (int64_t)(8 << 20) / (4 * rowFloats) / 48 * 48;
  if (rb < 48) rb = 48;
  if (v[16] >= 1) rb = v[16] < (double)share ? (int64_t)v[16] : share;
  if (rb > share) rb = share;
  q.rowsPerBlock = rb;
  q.threadFloats = (rb * rowFloats + 15) / 16 * 16;
  const int64_t sharedFloats = 2 * G * Z + (lik == LIK_GAUSSIAN_DIAG ? D : 0) + 2 * G + 16;
  char *block = vk_scratch((size_t)(sharedFloats + threads * q.threadFloats) * 4);
  if (block == NULL) {
    napi_throw_error(env, "ENOMEM", "vaekit native mlpLogWeights: out of memory for scratch");
    return NULL;
  }
  q.sumLogVar = (double *)block;
  float *f = (float *)(q.sumLogVar + G);
  float *sd = f, *ivq = f + G * Z, *ivx = f + 2 * G * Z;
  f += 2 * G * Z + (lik == LIK_GAUSSIAN_DIAG ? D : 0);
  q.threadBlocks = f + (16 - ((uintptr_t)f / 4) % 16) % 16; /* 64-byte aligned */
  for (int64_t g = 0; g < G; g++) {
    double s = 0.0;
    for (int64_t u = 0; u < Z; u++) {
      const float lv = q.logVar[g * Z + u];
      sd[g * Z + u] = expf(0.5f * lv);
      ivq[g * Z + u] = expf(-lv);
      s += (double)lv + LOG_2PI;
    }
    q.sumLogVar[g] = s;
  }
  if (lik == LIK_GAUSSIAN_DIAG)
    for (int64_t j = 0; j < D; j++) ivx[j] = expf(-q.likLogVar[j]);
  q.sd = sd;
  q.ivq = ivq;
  q.ivx = ivx;
  vk_parallel_rows(log_weights_share, &q, threads, threads);
  for (int t = 0; t < threads; t++)
    if (q.failed[t]) {
      napi_throw_error(env, "ENOMEM", "vaekit native mlpLogWeights: out of memory for the GEMM's packing buffers");
      return NULL;
    }
  return NULL;
}
