/*
 * The MLP VAE's training step in one native call: forward pass, the β-weighted −ELBO (one sample),
 * its term statistics and every parameter gradient, on the wasm heap (operands as byte offsets),
 * instead of the ~176 tfjs kernel dispatches of a `tf.variableGrads` step.
 *
 * The model (src/nets/mlp.ts, src/models/vae.ts):
 *   encoder  h_0 = [x, c]; h_l = act_e(h_{l-1}·W_l + b_l), l = 1..E; μ = h_E·W_μ + b_μ;
 *            logVar = h_E·W_v + b_v                                    (μ, logVar [B, Z])
 *   sample   z = μ + exp(½·logVar)·ε                                   (ε [B, Z], the caller's)
 *   decoder  g_0 = [z, c]; g_l = act_d(g_{l-1}·V_l + a_l), l = 1..H; out = g_H·V_o + a_o  ([B, D])
 *   loss     (1/B) Σ_b −log p(x_b | out_b)  +  β·KL,
 *            KL = (1/B) Σ_b Σ_u KL_bu, or with free bits λ, Σ_u max(λ, (1/B) Σ_b KL_bu),
 *            KL_bu = ½ (exp(logVar) + μ² − 1 − logVar)
 *   likelihood 0 Bernoulli on logits: −log p = Σ_d max(l,0) − l·x + log1p(exp(−|l|))
 *              1 Gaussian, one log σ² s:  −log p = ½ (Σ_d (x − m)²·e^(−s) + D·(s + log 2π))
 *              2 Gaussian, log σ²_d per dimension: −log p = ½ Σ_d ((x − m)²·e^(−s_d) + s_d + log 2π)
 * The conditions c get no gradient (they are data). Matmuls go to the addon's GEMM over its
 * threads (vk_gemm_threaded; the two heads as one product); the likelihood's pass over [B, D] is
 * split over the same threads by rows when it is large (≥ 2^18 values); the rest is single-pass,
 * vectorised C. Scratch (activations and their gradients) lives off the wasm heap in a block kept
 * per thread between calls (grown when a larger model asks); only the inputs, the gradients and
 * the stats live on the heap.
 *
 * mlpVaeStep(heap, descriptor): heap the wasm memory's ArrayBuffer, descriptor a Float64Array:
 *   [0] B  [1] D  [2] C  [3] Z  [4] E (encoder hidden layers)  [5] H (decoder hidden layers)
 *   [6] encoder activation  [7] decoder activation (ACT_* in mlp_step.h)  [8] likelihood (0, 1, 2 above)
 *   [9] β  [10] free bits λ (< 0: off)  [11] x  [12] c (< 0: none)  [13] ε  [14] stats [3]
 *   [15] likelihood log σ² (scalar or [D]; < 0 for Bernoulli)  [16] its gradient (< 0: not wanted)
 *   [17] threads for the elementwise passes (0: the GEMM's)
 *   then E encoder widths, H decoder widths (input side first), then for each dense layer in the
 *   order encoder hidden 1..E, μ, logVar, decoder hidden 1..H, output: the byte offsets of its
 *   kernel [in, out], bias [out], kernel gradient and bias gradient.
 * Writes stats = [loss, (1/B) Σ_b −log p(x_b|z_b), (1/B) Σ_b KL_b] and every gradient. Every
 * operand is checked to lie in the heap (RangeError otherwise).
 */
#define _POSIX_C_SOURCE 200809L
#include "mlp_step.h"
#include "pool.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HDR = 18, MAX_HIDDEN = 64 };

/* tfjs's SELU constants (tfjs-core ops/selu_util). */
static const float SELU_SCALE = 1.0507009873554804934193349852946f;
static const float SELU_SCALEALPHA = 1.7580993408473768599402175208123f;
static const double LOG_2PI = 1.8378770664093453;

/* glibc's vector math (libmvec): SIMD expf and log1pf without -ffast-math. */
float expf(float) __attribute__((simd("notinbranch")));
float log1pf(float) __attribute__((simd("notinbranch")));

/* ---- rows split over threads ---- */

typedef struct {
  vk_rows_fn fn;
  void *ctx;
  int64_t rows;
  int threads;
} rows_split;

static void rows_task(void *arg, int t) {
  const rows_split *r = (const rows_split *)arg;
  r->fn(r->ctx, r->rows * t / r->threads, r->rows * (t + 1) / r->threads);
}

/* Declared in mlp_step.h. */
void vk_parallel_rows(vk_rows_fn fn, void *ctx, int64_t rows, int threads) {
  if (threads > rows) threads = (int)rows;
  if (threads > VK_POOL_MAX_TASKS) threads = VK_POOL_MAX_TASKS;
  if (threads <= 1) {
    fn(ctx, 0, rows);
    return;
  }
  rows_split split = {fn, ctx, rows, threads};
  vk_pool_run(rows_task, &split, threads);
}

/* ---- activations ---- */

/* Declared in mlp_step.h. */
__attribute__((target_clones("avx512f", "avx2", "default")))
void vk_activate(const float *restrict a, float *restrict h, int64_t count, int act) {
  switch (act) {
    case ACT_RELU:
      for (int64_t i = 0; i < count; i++) h[i] = a[i] > 0.f ? a[i] : 0.f;
      break;
    case ACT_ELU:
#pragma omp simd
      for (int64_t i = 0; i < count; i++) h[i] = a[i] >= 0.f ? a[i] : expf(a[i]) - 1.f;
      break;
    case ACT_SIGMOID:
#pragma omp simd
      for (int64_t i = 0; i < count; i++) h[i] = 1.f / (1.f + expf(-a[i]));
      break;
    case ACT_TANH:
      for (int64_t i = 0; i < count; i++) h[i] = tanhf(a[i]);
      break;
    case ACT_SELU:
#pragma omp simd
      for (int64_t i = 0; i < count; i++) h[i] = a[i] > 0.f ? SELU_SCALE * a[i] : SELU_SCALEALPHA * (expf(a[i]) - 1.f);
      break;
    case ACT_SOFTPLUS:
#pragma omp simd
      for (int64_t i = 0; i < count; i++) h[i] = (a[i] > 0.f ? a[i] : 0.f) + log1pf(expf(-fabsf(a[i])));
      break;
    case ACT_SWISH:
#pragma omp simd
      for (int64_t i = 0; i < count; i++) h[i] = a[i] / (1.f + expf(-a[i]));
      break;
    default:
      memcpy(h, a, (size_t)count * 4);
      break;
  }
}

/* d ← d ⊙ act'(a) in place (d holds ∂loss/∂h on entry, ∂loss/∂a on return), with h = act(a). */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void activation_grad(const float *restrict a, const float *restrict h, float *restrict d, int64_t count, int act) {
  switch (act) {
    case ACT_RELU:
      for (int64_t i = 0; i < count; i++) d[i] = a[i] > 0.f ? d[i] : 0.f;
      break;
    case ACT_ELU:
      for (int64_t i = 0; i < count; i++) d[i] = h[i] >= 0.f ? d[i] : d[i] * (h[i] + 1.f);
      break;
    case ACT_SIGMOID:
      for (int64_t i = 0; i < count; i++) d[i] = d[i] * h[i] * (1.f - h[i]);
      break;
    case ACT_TANH:
      for (int64_t i = 0; i < count; i++) d[i] = d[i] * (1.f - h[i] * h[i]);
      break;
    case ACT_SELU:
#pragma omp simd
      for (int64_t i = 0; i < count; i++) d[i] = a[i] > 0.f ? d[i] * SELU_SCALE : d[i] * SELU_SCALEALPHA * expf(a[i]);
      break;
    case ACT_SOFTPLUS:
#pragma omp simd
      for (int64_t i = 0; i < count; i++) d[i] = d[i] / (1.f + expf(-a[i]));
      break;
    case ACT_SWISH:
#pragma omp simd
      for (int64_t i = 0; i < count; i++) {
        const float s = 1.f / (1.f + expf(-a[i]));
        d[i] = d[i] * (s + a[i] * s * (1.f - s));
      }
      break;
    default:
      break;
  }
}

/* ---- the likelihood over [B, D], by rows ---- */

typedef struct {
  const float *x, *out, *logVar; /* logVar: one value (LIK_GAUSSIAN) or [D] */
  float *dOut;                    /* ∂loss/∂out [B, D] */
  double *nll;                    /* −log p per row [B] */
  double *sse;                    /* Σ_d (x − m)² per row [B] (LIK_GAUSSIAN) */
  int64_t d;
  int kind;
  float invB;
} likelihood_ctx;

__attribute__((target_clones("avx512f", "avx2", "default")))
static void likelihood_rows(void *arg, int64_t r0, int64_t r1) {
  const likelihood_ctx *k = (const likelihood_ctx *)arg;
  const int64_t d = k->d;
  const float invB = k->invB;
  for (int64_t r = r0; r < r1; r++) {
    const float *xr = k->x + r * d, *lr = k->out + r * d;
    float *g = k->dOut + r * d;
    if (k->kind == LIK_BERNOULLI) {
      float acc = 0.f;
#pragma omp simd reduction(+ : acc)
      for (int64_t j = 0; j < d; j++) {
        const float l = lr[j], e = expf(-fabsf(l));
        acc += (l > 0.f ? l : 0.f) - l * xr[j] + log1pf(e);
        const float sig = l >= 0.f ? 1.f / (1.f + e) : e / (1.f + e);
        g[j] = (sig - xr[j]) * invB;
      }
      k->nll[r] = acc;
    } else if (k->kind == LIK_GAUSSIAN) {
      const float s = k->logVar[0], iv = expf(-s);
      float acc = 0.f;
#pragma omp simd reduction(+ : acc)
      for (int64_t j = 0; j < d; j++) {
        const float e = xr[j] - lr[j];
        acc += e * e;
        g[j] = -e * iv * invB;
      }
      k->sse[r] = acc;
      k->nll[r] = 0.5 * ((double)acc * iv + (double)d * (s + LOG_2PI));
    } else {
      float acc = 0.f;
#pragma omp simd reduction(+ : acc)
      for (int64_t j = 0; j < d; j++) {
        const float s = k->logVar[j], iv = expf(-s), e = xr[j] - lr[j];
        acc += e * e * iv + s;
        g[j] = -e * iv * invB;
      }
      k->nll[r] = 0.5 * ((double)acc + (double)d * LOG_2PI);
    }
  }
}

/* ---- the call ---- */

typedef struct {
  const float *w, *b;
  float *dw, *db;
  int64_t in, out;
} dense_layer;

/* Declared in mlp_step.h. */
int vk_in_heap(double offset, double bytes, int64_t heapBytes) {
  return offset >= 0 && bytes >= 0 && offset == floor(offset) && fmod(offset, 4.0) == 0.0 && offset + bytes <= (double)heapBytes;
}

/* Copies rows of a [rows, aw] and b [rows, bw] side by side into out [rows, aw + bw]. */
static void concat_columns(const float *a, int64_t aw, const float *b, int64_t bw, float *out, int64_t rows) {
  for (int64_t r = 0; r < rows; r++) {
    memcpy(out + r * (aw + bw), a + r * aw, (size_t)aw * 4);
    memcpy(out + r * (aw + bw) + aw, b + r * bw, (size_t)bw * 4);
  }
}

#define FAIL_RANGE(msg)                                                \
  do {                                                                 \
    napi_throw_range_error(env, NULL, "vaekit native mlpVaeStep: " msg); \
    return NULL;                                                       \
  } while (0)

/* Declared in mlp_step.h. */
char *vk_scratch(size_t bytes) {
  static _Thread_local char *block = NULL;
  static _Thread_local size_t size = 0;
  if (bytes > size) {
    free(block);
    block = (char *)malloc(bytes);
    size = block != NULL ? bytes : 0;
  }
  return block;
}

/* Declared in mlp_step.h. */
int vk_heap_descriptor_args(napi_env env, napi_callback_info info, const char *name, char **base, int64_t *heapBytes,
                            const double **desc, size_t *descLength) {
  size_t argc = 2;
  napi_value argv[2];
  void *heapData = NULL, *descData = NULL;
  size_t hb = 0;
  napi_typedarray_type type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
      napi_get_arraybuffer_info(env, argv[0], &heapData, &hb) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], &type, descLength, &descData, NULL, NULL) != napi_ok || type != napi_float64_array) {
    char msg[128];
    snprintf(msg, sizeof msg, "vaekit native %s: expected (ArrayBuffer, Float64Array)", name);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  *base = (char *)heapData;
  *heapBytes = (int64_t)hb;
  *desc = (const double *)descData;
  return 1;
}

/* Declared in mlp_step.h. */
int vk_descriptor_args(napi_env env, napi_callback_info info, const char *name, char **base, int64_t *heapBytes,
                       const double **desc, size_t *descLength) {
  if (!vk_gemm_is_ready()) {
    char msg[128];
    snprintf(msg, sizeof msg, "vaekit native %s: call load() first", name);
    napi_throw_error(env, NULL, msg);
    return 0;
  }
  return vk_heap_descriptor_args(env, info, name, base, heapBytes, desc, descLength);
}

napi_value vk_js_mlp_vae_step(napi_env env, napi_callback_info info) {
  char *base = NULL;
  int64_t hb = 0;
  const double *v = NULL;
  size_t descLength = 0;
  if (!vk_descriptor_args(env, info, "mlpVaeStep", &base, &hb, &v, &descLength)) return NULL;
  if (descLength < HDR) FAIL_RANGE("descriptor too short");
  const int64_t B = (int64_t)v[0], D = (int64_t)v[1], C = (int64_t)v[2], Z = (int64_t)v[3], E = (int64_t)v[4], H = (int64_t)v[5];
  const int encAct = (int)v[6], decAct = (int)v[7], lik = (int)v[8];
  const double beta = v[9], freeBits = v[10];
  if (B < 1 || D < 1 || C < 0 || Z < 1 || E < 0 || H < 0 || E > MAX_HIDDEN || H > MAX_HIDDEN || encAct < 0 || encAct > 7 ||
      decAct < 0 || decAct > 7 || lik < 0 || lik > 2)
    FAIL_RANGE("bad sizes or codes");
  const int64_t numLayers = E + 2 + H + 1;
  if ((int64_t)descLength != HDR + E + H + 4 * numLayers) FAIL_RANGE("descriptor length does not match its layer counts");
  int64_t widths[MAX_HIDDEN * 2 + 2];
  for (int64_t i = 0; i < E + H; i++) {
    widths[i] = (int64_t)v[HDR + i];
    if (widths[i] < 1) FAIL_RANGE("a hidden width < 1");
  }
  /* Layers with their input and output widths. */
  dense_layer layers[MAX_HIDDEN * 2 + 3];
  {
    int64_t in = D + C, li = 0;
    for (int64_t l = 0; l < E; l++, li++) layers[li] = (dense_layer){.in = in, .out = widths[l]}, in = widths[l];
    layers[li++] = (dense_layer){.in = in, .out = Z};
    layers[li++] = (dense_layer){.in = in, .out = Z};
    in = Z + C;
    for (int64_t l = 0; l < H; l++, li++) layers[li] = (dense_layer){.in = in, .out = widths[E + l]}, in = widths[E + l];
    layers[li++] = (dense_layer){.in = in, .out = D};
  }
  const double *lo = v + HDR + E + H;
  for (int64_t l = 0; l < numLayers; l++) {
    const double wBytes = (double)layers[l].in * (double)layers[l].out * 4, bBytes = (double)layers[l].out * 4;
    if (!vk_in_heap(lo[4 * l], wBytes, hb) || !vk_in_heap(lo[4 * l + 1], bBytes, hb) || !vk_in_heap(lo[4 * l + 2], wBytes, hb) ||
        !vk_in_heap(lo[4 * l + 3], bBytes, hb))
      FAIL_RANGE("a layer's operand lies outside the heap");
    layers[l].w = (const float *)(base + (int64_t)lo[4 * l]);
    layers[l].b = (const float *)(base + (int64_t)lo[4 * l + 1]);
    layers[l].dw = (float *)(base + (int64_t)lo[4 * l + 2]);
    layers[l].db = (float *)(base + (int64_t)lo[4 * l + 3]);
  }
  const int64_t lvCount = lik == LIK_GAUSSIAN_DIAG ? D : 1;
  if (!vk_in_heap(v[11], (double)(B * D * 4), hb) || (C > 0 && !vk_in_heap(v[12], (double)(B * C * 4), hb)) ||
      !vk_in_heap(v[13], (double)(B * Z * 4), hb) || !vk_in_heap(v[14], 12.0, hb) ||
      (lik != LIK_BERNOULLI && !vk_in_heap(v[15], (double)(lvCount * 4), hb)) ||
      (lik != LIK_BERNOULLI && v[16] >= 0 && !vk_in_heap(v[16], (double)(lvCount * 4), hb)))
    FAIL_RANGE("an operand lies outside the heap");
  const float *x = (const float *)(base + (int64_t)v[11]);
  const float *cond = C > 0 ? (const float *)(base + (int64_t)v[12]) : NULL;
  const float *eps = (const float *)(base + (int64_t)v[13]);
  float *stats = (float *)(base + (int64_t)v[14]);
  const float *likLogVar = lik != LIK_BERNOULLI ? (const float *)(base + (int64_t)v[15]) : NULL;
  float *likLogVarGrad = lik != LIK_BERNOULLI && v[16] >= 0 ? (float *)(base + (int64_t)v[16]) : NULL;
  int threads = v[17] >= 1 ? (int)v[17] : vk_gemm_thread_count();

  /* Scratch, one block. */
  dense_layer *enc = layers, *mu = layers + E, *lv = layers + E + 1, *dec = layers + E + 2, *outL = layers + E + 2 + H;
  const int64_t headIn = mu->in, Z2 = 2 * Z;
  int64_t maxWidth = D + C > Z + C ? D + C : Z + C;
  for (int64_t l = 0; l < numLayers; l++) if (layers[l].out > maxWidth) maxWidth = layers[l].out;
  int64_t floats = (C > 0 ? B * (D + C) : 0) + B * (Z + C) + 2 * headIn * Z2 + Z2 + 2 * B * Z2 + 2 * B * D + 2 * B * maxWidth;
  for (int64_t l = 0; l < E; l++) floats += 2 * B * enc[l].out;
  for (int64_t l = 0; l < H; l++) floats += 2 * B * dec[l].out;
  const int64_t doubles = 3 * B + 2 * Z + (maxWidth > D ? maxWidth : D);
  char *block = vk_scratch((size_t)(floats * 4 + doubles * 8));
  if (block == NULL) {
    napi_throw_error(env, "ENOMEM", "vaekit native mlpVaeStep: out of memory for scratch");
    return NULL;
  }
  double *nll = (double *)block, *sse = nll + B, *klRow = sse + B, *klMean = klRow + B, *klMask = klMean + Z,
         *acc = klMask + Z;
  float *f = (float *)(acc + (maxWidth > D ? maxWidth : D));
  float *encIn = C > 0 ? f : (float *)x;
  if (C > 0) f += B * (D + C);
  float *encPre[MAX_HIDDEN], *encPost[MAX_HIDDEN], *decPre[MAX_HIDDEN], *decPost[MAX_HIDDEN];
  for (int64_t l = 0; l < E; l++) encPre[l] = f, f += B * enc[l].out, encPost[l] = f, f += B * enc[l].out;
  float *wCat = f; f += headIn * Z2;
  float *dwCat = f; f += headIn * Z2;
  float *bCat = f; f += Z2;
  float *heads = f; f += B * Z2; /* [μ | logVar] per row */
  float *dHeads = f; f += B * Z2;
  float *decIn = f; f += B * (Z + C); /* [z | c] per row */
  for (int64_t l = 0; l < H; l++) decPre[l] = f, f += B * dec[l].out, decPost[l] = f, f += B * dec[l].out;
  float *out = f; f += B * D;
  float *dOut = f; f += B * D;
  float *dA = f; f += B * maxWidth;
  float *dB = f; f += B * maxWidth;
  int failed = 0;

  /* Forward: encoder. */
  if (C > 0) concat_columns(x, D, cond, C, encIn, B);
  const float *h = encIn;
  for (int64_t l = 0; l < E; l++) {
    failed |= vk_gemm_threaded(0, 0, B, enc[l].out, enc[l].in, h, enc[l].w, encPre[l], enc[l].b);
    vk_activate(encPre[l], encPost[l], B * enc[l].out, encAct);
    h = encPost[l];
  }
  /* Heads as one product: [μ | logVar] = h·[W_μ | W_v] + [b_μ | b_v]. */
  for (int64_t r = 0; r < headIn; r++) {
    memcpy(wCat + r * Z2, mu->w + r * Z, (size_t)Z * 4);
    memcpy(wCat + r * Z2 + Z, lv->w + r * Z, (size_t)Z * 4);
  }
  memcpy(bCat, mu->b, (size_t)Z * 4);
  memcpy(bCat + Z, lv->b, (size_t)Z * 4);
  failed |= vk_gemm_threaded(0, 0, B, Z2, headIn, h, wCat, heads, bCat);
  /* Reparameterisation and KL. */
  for (int64_t u = 0; u < Z; u++) klMean[u] = 0.0;
  for (int64_t r = 0; r < B; r++) {
    const float *m = heads + r * Z2, *s = m + Z, *e = eps + r * Z;
    float *zr = decIn + r * (Z + C);
    double kl = 0.0;
    for (int64_t u = 0; u < Z; u++) {
      const float sd = expf(0.5f * s[u]);
      zr[u] = m[u] + sd * e[u];
      const double k = 0.5 * ((double)expf(s[u]) + (double)m[u] * m[u] - 1.0 - (double)s[u]);
      kl += k;
      klMean[u] += k;
    }
    if (C > 0) memcpy(zr + Z, cond + r * C, (size_t)C * 4);
    klRow[r] = kl;
  }
  double klTerm = 0.0, klLoss = 0.0;
  for (int64_t r = 0; r < B; r++) klTerm += klRow[r];
  klTerm /= (double)B;
  for (int64_t u = 0; u < Z; u++) {
    klMean[u] /= (double)B;
    klMask[u] = freeBits < 0 || klMean[u] >= freeBits ? 1.0 : 0.0;
    klLoss += freeBits < 0 ? klMean[u] : (klMean[u] > freeBits ? klMean[u] : freeBits);
  }
  /* Decoder. */
  const float *g = decIn;
  for (int64_t l = 0; l < H; l++) {
    failed |= vk_gemm_threaded(0, 0, B, dec[l].out, dec[l].in, g, dec[l].w, decPre[l], dec[l].b);
    vk_activate(decPre[l], decPost[l], B * dec[l].out, decAct);
    g = decPost[l];
  }
  failed |= vk_gemm_threaded(0, 0, B, D, outL->in, g, outL->w, out, outL->b);
  /* Likelihood and ∂loss/∂out. */
  likelihood_ctx lk = {x, out, likLogVar, dOut, nll, sse, D, lik, 1.f / (float)B};
  /* Over the pool's threads from 2^15 values: at MNIST's 128 × 784 the split takes the native step from about
   * 2.56 to 2.44 ms (bench/step-profile.ts; the pool's workers are still spinning from the last product). */
  vk_parallel_rows(likelihood_rows, &lk, B, B * D >= (1 << 15) ? threads : 1);
  double recon = 0.0;
  for (int64_t r = 0; r < B; r++) recon += nll[r];
  recon /= (double)B;
  if (likLogVarGrad != NULL) {
    if (lik == LIK_GAUSSIAN) {
      const double iv = exp(-(double)likLogVar[0]);
      double s = 0.0;
      for (int64_t r = 0; r < B; r++) s += 0.5 * ((double)D - sse[r] * iv);
      likLogVarGrad[0] = (float)(s / (double)B);
    } else {
      for (int64_t j = 0; j < D; j++) acc[j] = 0.0;
      for (int64_t r = 0; r < B; r++)
        for (int64_t j = 0; j < D; j++) {
          const double e = (double)x[r * D + j] - (double)out[r * D + j];
          acc[j] += e * e;
        }
      for (int64_t j = 0; j < D; j++)
        likLogVarGrad[j] = (float)(0.5 - 0.5 * exp(-(double)likLogVar[j]) * acc[j] / (double)B);
    }
  }

  /* Backward: output layer, then the decoder's hidden layers, down to ∂loss/∂[z | c] in dA. */
  failed |= vk_gemm_threaded(1, 0, outL->in, D, B, g, dOut, outL->dw, NULL);
  vk_sum_rows(dOut, outL->db, B, D, acc);
  failed |= vk_gemm_threaded(0, 1, B, outL->in, D, dOut, outL->w, dA, NULL);
  for (int64_t l = H - 1; l >= 0; l--) {
    activation_grad(decPre[l], decPost[l], dA, B * dec[l].out, decAct);
    const float *in = l > 0 ? decPost[l - 1] : decIn;
    failed |= vk_gemm_threaded(1, 0, dec[l].in, dec[l].out, B, in, dA, dec[l].dw, NULL);
    vk_sum_rows(dA, dec[l].db, B, dec[l].out, acc);
    failed |= vk_gemm_threaded(0, 1, B, dec[l].in, dec[l].out, dA, dec[l].w, dB, NULL);
    float *t = dA; dA = dB; dB = t;
  }
  /* Through the reparameterisation and the KL: dHeads = [∂/∂μ | ∂/∂logVar]. */
  const float invB = 1.f / (float)B;
  for (int64_t r = 0; r < B; r++) {
    const float *m = heads + r * Z2, *s = m + Z, *e = eps + r * Z, *dz = dA + r * (Z + C);
    float *dm = dHeads + r * Z2, *ds = dm + Z;
    for (int64_t u = 0; u < Z; u++) {
      const float w = (float)(beta * klMask[u]) * invB;
      dm[u] = dz[u] + w * m[u];
      ds[u] = dz[u] * e[u] * 0.5f * expf(0.5f * s[u]) + w * 0.5f * (expf(s[u]) - 1.f);
    }
  }
  failed |= vk_gemm_threaded(1, 0, headIn, Z2, B, h, dHeads, dwCat, NULL);
  for (int64_t r = 0; r < headIn; r++) {
    memcpy(mu->dw + r * Z, dwCat + r * Z2, (size_t)Z * 4);
    memcpy(lv->dw + r * Z, dwCat + r * Z2 + Z, (size_t)Z * 4);
  }
  vk_sum_rows(dHeads, bCat, B, Z2, acc);
  memcpy(mu->db, bCat, (size_t)Z * 4);
  memcpy(lv->db, bCat + Z, (size_t)Z * 4);
  if (E > 0) failed |= vk_gemm_threaded(0, 1, B, headIn, Z2, dHeads, wCat, dA, NULL);
  for (int64_t l = E - 1; l >= 0; l--) {
    activation_grad(encPre[l], encPost[l], dA, B * enc[l].out, encAct);
    const float *in = l > 0 ? encPost[l - 1] : encIn;
    failed |= vk_gemm_threaded(1, 0, enc[l].in, enc[l].out, B, in, dA, enc[l].dw, NULL);
    vk_sum_rows(dA, enc[l].db, B, enc[l].out, acc);
    if (l > 0) {
      failed |= vk_gemm_threaded(0, 1, B, enc[l].in, enc[l].out, dA, enc[l].w, dB, NULL);
      float *t = dA; dA = dB; dB = t;
    }
  }
  stats[0] = (float)(recon + beta * (freeBits < 0 ? klTerm : klLoss));
  stats[1] = (float)recon;
  stats[2] = (float)klTerm;
  if (failed) {
    napi_throw_error(env, "ENOMEM", "vaekit native mlpVaeStep: out of memory for the GEMM's packing buffers");
    return NULL;
  }
  return NULL;
}
