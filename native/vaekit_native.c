/*
 * vaekit's optional native kernels for TensorFlow.js's wasm backend on Node.js.
 *
 * The wasm backend keeps every tensor in one WebAssembly.Memory. These kernels compute straight
 * on that memory (passed in as its ArrayBuffer, operands as byte offsets), so tensors never leave
 * the heap and tfjs sees ordinary kernels (src/node/native-kernels.ts registers them).
 *
 * Matrix products use the system's OpenBLAS (cblas_sgemm; one thread inside, each large product
 * split over vaekit's own threads, one per core: see load()), opened
 * at run time with dlopen: the addon builds with only a C compiler and Node's headers. Where no
 * OpenBLAS loads they use the addon's own cache-blocked GEMM (native/matmul.c, AVX-512, AVX2 or
 * portable microkernels chosen from the CPU's feature bits), split over the same threads; `load()`
 * says which, and why OpenBLAS did not load. VAEKIT_OPENBLAS names a specific library file.
 * OpenBLAS 0.3.21 (Debian 12) does not recognise recent Xeons and falls back to its SSE3
 * "Prescott" kernels (about 31 GFLOP/s a core here against 145 with its AVX-512 ones); when the
 * user has not set OPENBLAS_CORETYPE, load() picks the kernel family from the CPU's own feature
 * bits before the library is opened.
 *
 * Exports:
 *   load(threads, library?, kernel?) -> { library, core, threads, openblasError? }
 *     library 'auto' (default): OpenBLAS where it loads, else the own GEMM (openblasError says why);
 *     'openblas': OpenBLAS or throw Error (code ENOOPENBLAS) with the reason; 'own': the own GEMM.
 *     kernel (own GEMM): 'auto' (the best this CPU runs), 'avx512', 'avx2' or 'portable' (an
 *     unsupported one throws). core: OpenBLAS's kernel family, or the own microkernel ('avx512 12x32').
 *   gemm(heap, batch, m, n, k, transA, transB, aOff, aStride, bOff, bStride, cOff,
 *        biasOff, activation, alpha)
 *     C[i] = act(op(A[i]) · op(B[i]) + bias) for i < batch, row-major float32; a stride of 0
 *     broadcasts that operand; biasOff < 0 means no bias; activation 0 linear, 1 relu, 2 relu6,
 *     3 leakyrelu(alpha), 4 sigmoid, 5 elu.
 *   conv2d(heap, mode, 13 geometry integers, xOff, wOff, yOff, biasOff, activation, alpha)
 *     NHWC convolution forward (mode 0), its input gradient (1) or its filter gradient (2) by
 *     im2col / col2im and the GEMM load() chose, split over the threads (below)
 *   sumRows(heap, rows, cols, xOff, outOff)   column sums of a [rows, cols] matrix (below)
 *   adamMany(heap, descriptor)   one Adam step over several variables, in place (below)
 *   flushTiny(heap, count, off, threshold)   x <- 0 where |x| < threshold, in place (below)
 *   bernoulliLogProb(heap, rows, d, xRows, xOff, lOff, outOff, threads)      (below)
 *   mlpVaeStep(heap, descriptor)   an MLP VAE's whole −ELBO step and gradients (native/mlp_step.c)
 *   mlpLogWeights(heap, descriptor)   an MLP VAE's log importance weights (native/mlp_log_weights.c)
 *   randomNormal(out, mean, stdDev, seed)   tf.randomNormal([out.length], mean, stdDev, 'float32', seed)
 *     into the Float32Array `out`, bit for bit; `seed` is String(seed) of a truthy seed (native/normal.c)
 *   jsLog(values)   Math.log of each element of a Float64Array, in place, as V8 computes it (native/normal.c)
 * Every operand is checked to lie inside the heap; a violation throws a RangeError.
 */
#define _POSIX_C_SOURCE 200809L
#define NAPI_VERSION 8
#include <node_api.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "matmul.h"
#include "pool.h"
#include "mlp_step.h"
#include "normal.h"

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *,
                         int, float, float *, int);
typedef void (*set_threads_fn)(int);
typedef char *(*corename_fn)(void);

static sgemm_fn p_sgemm = NULL;
/* Threads a product is split over (each calls OpenBLAS on one thread; see load()). */
static int gemm_threads = 1;
static set_threads_fn p_set_threads = NULL;
static corename_fn p_corename = NULL;
/* The products' GEMM, set by load(): OpenBLAS's cblas_sgemm, or (use_own) native/matmul.c's. */
static int gemm_ready = 0;
static int use_own = 0;
static vk_gemm_kernel own_kernel = VK_GEMM_PORTABLE;

/* C = op(A)·op(B) + beta·C, row-major, on the calling thread; 0, or -1 when out of memory. */
static int sgemm(int transA, int transB, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                 const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
  if (use_own) return vk_sgemm(own_kernel, transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc);
  p_sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, (int)m, (int)n, (int)k, 1.f, a, (int)lda, b,
          (int)ldb, beta, c, (int)ldc);
  return 0;
}

#define CHECK(env, call)                                                    \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error((env), NULL, "vaekit native: N-API call failed: " #call); \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

/* Kernel family for OPENBLAS_CORETYPE from the CPU's feature bits (x86-64 only). */
static const char *core_for_cpu(void) {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512cd"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return NULL;
}

/*
 * Opens OpenBLAS (once; kept open). Returns NULL on success, else the reason, written to `message`.
 */
static const char *open_openblas(char *message, size_t size) {
  if (p_sgemm != NULL) return NULL;
  if (getenv("OPENBLAS_CORETYPE") == NULL) {
    const char *core = core_for_cpu();
    if (core != NULL) setenv("OPENBLAS_CORETYPE", core, 0);
  }
  /* OpenBLAS on one thread, its pool never started: vaekit splits each product over its own
   * threads instead. OpenBLAS 0.3.21's pool joins its threads in a fork handler and can hang
   * there when a process forks (child_process.spawn) while another thread is in a product. */
  setenv("OPENBLAS_NUM_THREADS", "1", 1);
  const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas64_.so.0", NULL};
  const char *chosen = getenv("VAEKIT_OPENBLAS"); /* a specific library file, if the user names one */
  void *lib = NULL;
  if (chosen != NULL && chosen[0] != '\0') {
    lib = dlopen(chosen, RTLD_NOW | RTLD_LOCAL);
  } else {
    for (int i = 0; names[i] != NULL && lib == NULL; i++) lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  }
  if (lib == NULL) {
    if (chosen != NULL && chosen[0] != '\0')
      snprintf(message, size,
               "OpenBLAS not found at VAEKIT_OPENBLAS=%s; install it (Debian/Ubuntu: apt-get install "
               "libopenblas0-pthread) or point VAEKIT_OPENBLAS at it",
               chosen);
    else
      snprintf(message, size,
               "OpenBLAS not found (tried libopenblas.so.0, libopenblas.so); install it "
               "(Debian/Ubuntu: apt-get install libopenblas0-pthread)");
    return message;
  }
  sgemm_fn sg = (sgemm_fn)dlsym(lib, "cblas_sgemm");
  if (sg == NULL) {
    snprintf(message, size, "the OpenBLAS library found has no cblas_sgemm");
    return message;
  }
  p_set_threads = (set_threads_fn)dlsym(lib, "openblas_set_num_threads");
  p_corename = (corename_fn)dlsym(lib, "openblas_get_corename");
  p_sgemm = sg;
  return NULL;
}

/* Reads the string argument `index` into `out` (empty when absent or undefined); 0 on a wrong type. */
static int string_arg(napi_env env, napi_value *argv, size_t argc, size_t index, char *out, size_t size) {
  out[0] = '\0';
  if (index >= argc) return 1;
  napi_valuetype type;
  if (napi_typeof(env, argv[index], &type) != napi_ok) return 0;
  if (type == napi_undefined) return 1;
  size_t length = 0;
  return type == napi_string && napi_get_value_string_utf8(env, argv[index], out, size, &length) == napi_ok;
}

static napi_value js_load(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t threads = 0;
  if (argc >= 1) napi_get_value_int32(env, argv[0], &threads);
  char library[16], kernelName[16], message[512];
  if (!string_arg(env, argv, argc, 1, library, sizeof library) || !string_arg(env, argv, argc, 2, kernelName, sizeof kernelName)) {
    napi_throw_type_error(env, NULL, "vaekit native load: expected (threads, library?, kernel?) with strings");
    return NULL;
  }
  if (library[0] == '\0') strcpy(library, "auto");
  if (strcmp(library, "auto") != 0 && strcmp(library, "openblas") != 0 && strcmp(library, "own") != 0) {
    snprintf(message, sizeof message, "vaekit native load: library expected auto, openblas or own, got '%s'", library);
    napi_throw_range_error(env, NULL, message);
    return NULL;
  }
  vk_gemm_kernel kernel = vk_gemm_best();
  if (kernelName[0] != '\0' && strcmp(kernelName, "auto") != 0) {
    kernel = vk_gemm_parse(kernelName);
    if (kernel == VK_GEMM_KERNELS) {
      snprintf(message, sizeof message, "vaekit native load: kernel expected auto, avx512, avx2 or portable, got '%s'", kernelName);
      napi_throw_range_error(env, NULL, message);
      return NULL;
    }
    if (!vk_gemm_supported(kernel)) {
      snprintf(message, sizeof message, "vaekit native load: this CPU cannot run the %s microkernel", kernelName);
      napi_throw_error(env, "ENOKERNEL", message);
      return NULL;
    }
  }
  const char *openblasError = NULL;
  if (strcmp(library, "own") != 0) openblasError = open_openblas(message, sizeof message);
  if (openblasError != NULL && strcmp(library, "openblas") == 0) {
    napi_throw_error(env, "ENOOPENBLAS", openblasError);
    return NULL;
  }
  use_own = strcmp(library, "own") == 0 || openblasError != NULL;
  own_kernel = kernel;
  gemm_ready = 1;
  if (!use_own && p_set_threads != NULL) p_set_threads(1);
  if (threads > 0) gemm_threads = threads > 16 ? 16 : threads;
  else {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    gemm_threads = cores < 1 ? 1 : (cores > 16 ? 16 : (int)cores);
  }
  napi_value result, value;
  CHECK(env, napi_create_object(env, &result));
  CHECK(env, napi_create_string_utf8(env, use_own ? "vaekit" : "openblas", NAPI_AUTO_LENGTH, &value));
  CHECK(env, napi_set_named_property(env, result, "library", value));
  const char *core = use_own ? vk_gemm_name(own_kernel) : p_corename != NULL ? p_corename() : "unknown";
  CHECK(env, napi_create_string_utf8(env, core, NAPI_AUTO_LENGTH, &value));
  CHECK(env, napi_set_named_property(env, result, "core", value));
  CHECK(env, napi_create_int32(env, gemm_threads, &value));
  CHECK(env, napi_set_named_property(env, result, "threads", value));
  if (openblasError != NULL) {
    CHECK(env, napi_create_string_utf8(env, openblasError, NAPI_AUTO_LENGTH, &value));
    CHECK(env, napi_set_named_property(env, result, "openblasError", value));
  }
  return result;
}

static void activate(float *c, size_t count, int activation, float alpha) {
  switch (activation) {
    case 1:
      for (size_t i = 0; i < count; i++) c[i] = c[i] > 0.f ? c[i] : 0.f;
      break;
    case 2:
      for (size_t i = 0; i < count; i++) c[i] = c[i] < 0.f ? 0.f : (c[i] > 6.f ? 6.f : c[i]);
      break;
    case 3:
      for (size_t i = 0; i < count; i++) c[i] = c[i] > 0.f ? c[i] : alpha * c[i];
      break;
    case 4:
      for (size_t i = 0; i < count; i++) c[i] = 1.f / (1.f + expf(-c[i]));
      break;
    case 5:
      for (size_t i = 0; i < count; i++) c[i] = c[i] > 0.f ? c[i] : expf(c[i]) - 1.f;
      break;
    default:
      break;
  }
}

/* One block of a product: rows [r0, r1) of C, or columns [c0, c1) when the rows are too few. */
typedef struct {
  const float *a, *b;
  float *c;
  const float *bias;
  int64_t m, n, k, r0, r1, c0, c1;
  int transA, transB, activation;
  float alpha;
  int failed; /* out of memory for the own GEMM's packing buffers */
} gemm_job;

static void gemm_block(gemm_job *j) {
  const int64_t rows = j->r1 - j->r0, cols = j->c1 - j->c0;
  if (rows <= 0 || cols <= 0) return;
  const int64_t lda = j->transA ? j->m : j->k, ldb = j->transB ? j->k : j->n, ldc = j->n;
  /* op(A) rows r0.. start at row r0 of A, or column r0 of the stored A when transposed;
   * op(B) columns c0.. at column c0 of B, or row c0 of the stored B when transposed. */
  const float *a = j->transA ? j->a + j->r0 : j->a + j->r0 * lda;
  const float *b = j->transB ? j->b + j->c0 * ldb : j->b + j->c0;
  float *c = j->c + j->r0 * ldc + j->c0;
  float beta = 0.f;
  if (j->bias != NULL) {
    for (int64_t r = 0; r < rows; r++) memcpy(c + r * ldc, j->bias + j->c0, (size_t)cols * 4);
    beta = 1.f;
  }
  if (j->k == 0) {
    if (j->bias == NULL)
      for (int64_t r = 0; r < rows; r++) memset(c + r * ldc, 0, (size_t)cols * 4);
  } else if (sgemm(j->transA, j->transB, rows, cols, j->k, a, lda, b, ldb, beta, c, ldc) != 0) {
    j->failed = 1;
    return;
  }
  for (int64_t r = 0; r < rows; r++) activate(c + r * ldc, (size_t)cols, j->activation, j->alpha);
}

static void gemm_task(void *jobs, int t) { gemm_block((gemm_job *)jobs + t); }

/*
 * C = act(op(A)·op(B) + bias) split over up to gemm_threads threads (small products on one).
 * Returns 0, or -1 when a block ran out of memory.
 */
static int gemm_parallel(gemm_job whole) {
  int threads = gemm_threads;
  if ((double)whole.m * (double)whole.n * (double)whole.k < 4194304.0) threads = 1;
  const int byRows = whole.m >= whole.n; /* split the longer side: each thread packs only its share */
  const int64_t extent = byRows ? whole.m : whole.n;
  /* The own GEMM's shares start on a microkernel tile, so that only the last has an edge tile. */
  int64_t granule = 1;
  if (use_own) {
    int mr, nr;
    vk_gemm_tile(own_kernel, &mr, &nr);
    granule = byRows ? mr : nr;
  }
  const int64_t tiles = (extent + granule - 1) / granule;
  if (tiles < threads) threads = tiles < 1 ? 1 : (int)tiles;
  if (threads > VK_POOL_MAX_TASKS) threads = VK_POOL_MAX_TASKS;
  gemm_job jobs[VK_POOL_MAX_TASKS];
  for (int t = 0; t < threads; t++) {
    jobs[t] = whole;
    int64_t lo = tiles * t / threads * granule, hi = tiles * (t + 1) / threads * granule;
    if (hi > extent) hi = extent;
    if (byRows) { jobs[t].r0 = lo; jobs[t].r1 = hi; }
    else { jobs[t].c0 = lo; jobs[t].c1 = hi; }
  }
  vk_pool_run(gemm_task, jobs, threads);
  int failed = 0;
  for (int t = 0; t < threads; t++) failed |= jobs[t].failed;
  return failed ? -1 : 0;
}

/* gemm_parallel for native/mlp_step.c (declared in mlp_step.h): contiguous operands, no activation. */
int vk_gemm_threaded(int transA, int transB, int64_t m, int64_t n, int64_t k, const float *a, const float *b, float *c,
                     const float *bias) {
  gemm_job whole = {a, b, c, bias, m, n, k, 0, m, 0, n, transA, transB, 0, 0.f, 0};
  return gemm_parallel(whole);
}
/* One product on the calling thread (declared in mlp_step.h): a share of rows that a caller already
 * split over its own threads (native/mlp_log_weights.c). */
int vk_gemm_single(int64_t m, int64_t n, int64_t k, const float *a, const float *b, float *c, const float *bias) {
  gemm_job whole = {a, b, c, bias, m, n, k, 0, m, 0, n, 0, 0, 0, 0.f, 0};
  gemm_block(&whole);
  return whole.failed ? -1 : 0;
}
int vk_gemm_is_ready(void) { return gemm_ready; }
int vk_gemm_thread_count(void) { return gemm_threads; }

/*
 * Reads a call's arguments: the wasm heap (an ArrayBuffer) first, then `nInts` integers and
 * `nDoubles` numbers. Throws a JS error and returns 0 on a wrong count or type.
 */
static int read_args(napi_env env, napi_callback_info info, const char *name, size_t nInts, int64_t *ints,
                     size_t nDoubles, double *doubles, char **heap, int64_t *heapBytes) {
  napi_value argv[24];
  size_t argc = 24;
  const size_t expected = 1 + nInts + nDoubles;
  char message[160];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != expected) {
    snprintf(message, sizeof message, "vaekit native %s: expected %zu arguments", name, expected);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  void *data = NULL;
  size_t bytes = 0;
  int ok = napi_get_arraybuffer_info(env, argv[0], &data, &bytes) == napi_ok;
  for (size_t i = 0; ok && i < nInts; i++) ok = napi_get_value_int64(env, argv[1 + i], &ints[i]) == napi_ok;
  for (size_t i = 0; ok && i < nDoubles; i++) ok = napi_get_value_double(env, argv[1 + nInts + i], &doubles[i]) == napi_ok;
  if (!ok) {
    snprintf(message, sizeof message, "vaekit native %s: expected (ArrayBuffer, %zu numbers)", name, nInts + nDoubles);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  *heap = (char *)data;
  *heapBytes = (int64_t)bytes;
  return 1;
}

/* [offset, offset + bytes) lies inside the heap, and offset is float-aligned. */
static int in_heap(int64_t offset, int64_t bytes, int64_t heapBytes) {
  return offset >= 0 && bytes >= 0 && offset % 4 == 0 && offset + bytes <= heapBytes;
}

static napi_value js_gemm(napi_env env, napi_callback_info info) {
  if (!gemm_ready) {
    napi_throw_error(env, NULL, "vaekit native gemm: call load() first");
    return NULL;
  }
  char *base = NULL;
  int64_t heapBytes = 0, v[13];
  double alphaD = 0;
  if (!read_args(env, info, "gemm", 13, v, 1, &alphaD, &base, &heapBytes)) return NULL;
  const int64_t batch = v[0], m = v[1], n = v[2], k = v[3];
  const int transA = v[4] != 0, transB = v[5] != 0;
  const int64_t aOff = v[6], aStride = v[7], bOff = v[8], bStride = v[9], cOff = v[10];
  const int64_t biasOff = v[11];
  const int activation = (int)v[12];
  /* Every byte each operand touches lies inside the heap. */
  if (batch < 1 || m < 0 || n < 0 || k < 0 || aStride < 0 || bStride < 0 ||
      !in_heap(aOff, (batch - 1) * aStride + m * k * 4, heapBytes) ||
      !in_heap(bOff, (batch - 1) * bStride + k * n * 4, heapBytes) ||
      !in_heap(cOff, batch * m * n * 4, heapBytes) || (aStride | bStride) % 4 != 0 ||
      (biasOff >= 0 && !in_heap(biasOff, n * 4, heapBytes))) {
    napi_throw_range_error(env, NULL, "vaekit native gemm: operand outside the heap");
    return NULL;
  }
  const float *bias = biasOff >= 0 ? (const float *)(base + biasOff) : NULL;
  for (int64_t i = 0; i < batch; i++) {
    gemm_job whole = {(const float *)(base + aOff + i * aStride), (const float *)(base + bOff + i * bStride),
                      (float *)(base + cOff + i * m * n * 4), bias, m, n, k, 0, m, 0, n,
                      transA, transB, activation, (float)alphaD, 0};
    if (gemm_parallel(whole) != 0) {
      napi_throw_error(env, "ENOMEM", "vaekit native gemm: out of memory for the packing buffers");
      return NULL;
    }
  }
  return NULL;
}

/*
 * 2-D convolution, NHWC, dilation 1, one group, by im2col / col2im and sgemm (OpenBLAS or the own GEMM).
 *
 * Rows r = (b, oh, ow) of the output, N = B*OH*OW of them; K = KH*KW*Ci. The column matrix of a
 * block of rows, col[r][(kh, kw, ci)] = x[b, oh*sH - top + kh, ow*sW - left + kw, ci] (0 outside x),
 * is [R, K]; the filter [KH, KW, Ci, Co] is the row-major matrix W[K, Co]. Then
 *   forward          y[r, :] = act(col[r, :] · W + bias)          (mode 0)
 *   input gradient   col = dy[r, :] · Wᵀ, scattered back (col2im) (mode 1)
 *   filter gradient  dW = Σ_r col[r, :]ᵀ · dy[r, :]                (mode 2)
 * Each thread takes a share of the rows (mode 1: whole examples, so that no two threads add into
 * the same dx element; mode 2: its own partial dW, summed at the end) and walks it in blocks of
 * rows whose column matrix stays in the L2 cache.
 */
typedef struct {
  int64_t B, H, W, Ci, OH, OW, Co, KH, KW, sH, sW, top, left;
} conv_geometry;

typedef struct {
  const conv_geometry *g;
  int mode;
  const float *x, *w, *dy, *bias;
  float *out; /* y (mode 0), dx (mode 1), dW or this thread's partial dW (mode 2) */
  int64_t r0, r1;
  int activation;
  float alpha;
  int failed;
} conv_job;

/* Rows of one block: about 128K floats (512 KB) of column matrix. */
static int64_t conv_block_rows(int64_t K) {
  const int64_t rows = 131072 / (K < 1 ? 1 : K);
  return rows < 8 ? 8 : rows;
}

/* col[R, K] for rows [r0, r0 + R). */
static void im2col(const conv_geometry *g, const float *x, float *col, int64_t r0, int64_t R) {
  const int64_t K = g->KH * g->KW * g->Ci, rowSpan = g->KW * g->Ci;
  for (int64_t i = 0; i < R; i++) {
    const int64_t r = r0 + i, ow = r % g->OW, oh = (r / g->OW) % g->OH, b = r / (g->OW * g->OH);
    const int64_t ih0 = oh * g->sH - g->top, iw0 = ow * g->sW - g->left;
    float *c = col + i * K;
    for (int64_t kh = 0; kh < g->KH; kh++, c += rowSpan) {
      const int64_t ih = ih0 + kh;
      if (ih < 0 || ih >= g->H) {
        memset(c, 0, (size_t)rowSpan * 4);
        continue;
      }
      const float *xr = x + ((b * g->H + ih) * g->W) * g->Ci;
      if (iw0 >= 0 && iw0 + g->KW <= g->W) {
        memcpy(c, xr + iw0 * g->Ci, (size_t)rowSpan * 4);
        continue;
      }
      for (int64_t kw = 0; kw < g->KW; kw++) {
        const int64_t iw = iw0 + kw;
        if (iw < 0 || iw >= g->W) memset(c + kw * g->Ci, 0, (size_t)g->Ci * 4);
        else memcpy(c + kw * g->Ci, xr + iw * g->Ci, (size_t)g->Ci * 4);
      }
    }
  }
}

/* dx += col2im(col) for rows [r0, r0 + R). */
static void col2im(const conv_geometry *g, const float *col, float *dx, int64_t r0, int64_t R) {
  const int64_t K = g->KH * g->KW * g->Ci, Ci = g->Ci;
  for (int64_t i = 0; i < R; i++) {
    const int64_t r = r0 + i, ow = r % g->OW, oh = (r / g->OW) % g->OH, b = r / (g->OW * g->OH);
    const int64_t ih0 = oh * g->sH - g->top, iw0 = ow * g->sW - g->left;
    const float *c = col + i * K;
    for (int64_t kh = 0; kh < g->KH; kh++) {
      const int64_t ih = ih0 + kh;
      if (ih < 0 || ih >= g->H) continue;
      float *dxr = dx + ((b * g->H + ih) * g->W) * Ci;
      for (int64_t kw = 0; kw < g->KW; kw++) {
        const int64_t iw = iw0 + kw;
        if (iw < 0 || iw >= g->W) continue;
        const float *src = c + (kh * g->KW + kw) * Ci;
        float *dst = dxr + iw * Ci;
        for (int64_t ci = 0; ci < Ci; ci++) dst[ci] += src[ci];
      }
    }
  }
}

static void conv_rows(conv_job *j) {
  const conv_geometry *g = j->g;
  const int64_t K = g->KH * g->KW * g->Ci, Co = g->Co;
  if (j->r1 <= j->r0) {
    if (j->mode == 2) memset(j->out, 0, (size_t)(K * Co) * 4);
    return;
  }
  /* A 1×1 kernel at stride 1 without padding: the column matrix is x itself. */
  const int direct = g->KH == 1 && g->KW == 1 && g->sH == 1 && g->sW == 1 && g->top == 0 && g->left == 0 &&
                     g->OH == g->H && g->OW == g->W;
  const int64_t block = conv_block_rows(K);
  float *col = direct && j->mode != 1 ? NULL : (float *)malloc((size_t)(block * K) * 4);
  if (col == NULL && !(direct && j->mode != 1)) {
    j->failed = 1;
    return;
  }
  if (j->mode == 1) {
    /* This job's examples of dx, zeroed: rows r0..r1 cover whole examples. */
    const int64_t per = g->OH * g->OW, b0 = j->r0 / per, b1 = j->r1 / per;
    memset(j->out + b0 * g->H * g->W * g->Ci, 0, (size_t)((b1 - b0) * g->H * g->W * g->Ci) * 4);
  }
  for (int64_t r = j->r0; r < j->r1; r += block) {
    const int64_t R = j->r1 - r < block ? j->r1 - r : block;
    const float *a = direct ? j->x + r * K : col;
    switch (j->mode) {
      case 0: {
        if (!direct) im2col(g, j->x, col, r, R);
        float *y = j->out + r * Co;
        float beta = 0.f;
        if (j->bias != NULL) {
          for (int64_t i = 0; i < R; i++) memcpy(y + i * Co, j->bias, (size_t)Co * 4);
          beta = 1.f;
        }
        if (sgemm(0, 0, R, Co, K, a, K, j->w, Co, beta, y, Co) != 0) j->failed = 1;
        for (int64_t i = 0; i < R; i++) activate(y + i * Co, (size_t)Co, j->activation, j->alpha);
        break;
      }
      case 1:
        if (sgemm(0, 1, R, K, Co, j->dy + r * Co, Co, j->w, Co, 0.f, col, K) != 0) j->failed = 1;
        col2im(g, col, j->out, r, R);
        break;
      default:
        if (!direct) im2col(g, j->x, col, r, R);
        if (sgemm(1, 0, K, Co, R, a, K, j->dy + r * Co, Co, r == j->r0 ? 0.f : 1.f, j->out, Co) != 0) j->failed = 1;
        break;
    }
  }
  free(col);
}

static void conv_task(void *jobs, int t) { conv_rows((conv_job *)jobs + t); }

/*
 * conv2d(heap, mode, B, H, W, Ci, OH, OW, Co, KH, KW, sH, sW, top, left, xOff, wOff, yOff, biasOff,
 *        activation, alpha): byte offsets into `heap`; x [B, H, W, Ci], w [KH, KW, Ci, Co],
 * y [B, OH, OW, Co], all float32. Mode 0 writes y = act(conv(x, w) + bias) (biasOff < 0: none;
 * activation codes as gemm's); mode 1 writes dx at xOff from dy at yOff; mode 2 writes dW at wOff
 * from x and dy. Inputs are only read.
 */
static napi_value js_conv2d(napi_env env, napi_callback_info info) {
  if (!gemm_ready) {
    napi_throw_error(env, NULL, "vaekit native conv2d: call load() first");
    return NULL;
  }
  char *base = NULL;
  int64_t heapBytes = 0, v[19];
  double alphaD = 0;
  if (!read_args(env, info, "conv2d", 19, v, 1, &alphaD, &base, &heapBytes)) return NULL;
  const int mode = (int)v[0];
  const conv_geometry g = {v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]};
  const int64_t xOff = v[14], wOff = v[15], yOff = v[16], biasOff = v[17];
  const int activation = (int)v[18];
  const int64_t K = g.KH * g.KW * g.Ci, N = g.B * g.OH * g.OW;
  if (mode < 0 || mode > 2 || g.B < 1 || g.H < 1 || g.W < 1 || g.Ci < 1 || g.OH < 1 || g.OW < 1 || g.Co < 1 ||
      g.KH < 1 || g.KW < 1 || g.sH < 1 || g.sW < 1) {
    napi_throw_range_error(env, NULL, "vaekit native conv2d: expected mode 0-2 and positive sizes and strides");
    return NULL;
  }
  if (!in_heap(xOff, g.B * g.H * g.W * g.Ci * 4, heapBytes) || !in_heap(wOff, K * g.Co * 4, heapBytes) ||
      !in_heap(yOff, N * g.Co * 4, heapBytes) || (mode == 0 && biasOff >= 0 && !in_heap(biasOff, g.Co * 4, heapBytes))) {
    napi_throw_range_error(env, NULL, "vaekit native conv2d: operand outside the heap");
    return NULL;
  }
  const float *x = (const float *)(base + xOff), *w = (const float *)(base + wOff), *dy = (const float *)(base + yOff);
  float *out = mode == 0 ? (float *)(base + yOff) : mode == 1 ? (float *)(base + xOff) : (float *)(base + wOff);
  const float *bias = mode == 0 && biasOff >= 0 ? (const float *)(base + biasOff) : NULL;
  /* Threads: one per core for a large convolution, split along the rows (mode 1: by example). */
  int threads = gemm_threads;
  if ((double)N * (double)K * (double)g.Co < 2097152.0) threads = 1;
  const int64_t units = mode == 1 ? g.B : N, per = mode == 1 ? g.OH * g.OW : 1;
  if (units < threads) threads = (int)units;
  if (threads > VK_POOL_MAX_TASKS) threads = VK_POOL_MAX_TASKS;
  conv_job jobs[VK_POOL_MAX_TASKS];
  float *partials = NULL;
  if (mode == 2 && threads > 1) {
    partials = (float *)malloc((size_t)((threads - 1) * K * g.Co) * 4);
    if (partials == NULL) threads = 1;
  }
  for (int t = 0; t < threads; t++) {
    jobs[t] = (conv_job){&g, mode, x, w, dy, bias, out, units * t / threads * per, units * (t + 1) / threads * per,
                         activation, (float)alphaD, 0};
    if (mode == 2 && t > 0) jobs[t].out = partials + (t - 1) * K * g.Co;
  }
  vk_pool_run(conv_task, jobs, threads);
  int failed = 0;
  for (int t = 0; t < threads; t++) failed |= jobs[t].failed;
  if (partials != NULL) {
    for (int t = 1; t < threads && !failed; t++) {
      const float *p = partials + (t - 1) * K * g.Co;
      for (int64_t i = 0; i < K * g.Co; i++) out[i] += p[i];
    }
    free(partials);
  }
  if (failed) {
    napi_throw_error(env, "ENOMEM", "vaekit native conv2d: out of memory for the column matrix or packing buffers");
    return NULL;
  }
  return NULL;
}

/*
 * sumRows(heap, rows, cols, xOff, outOff): out[c] = sum_r x[r, c] over a row-major [rows, cols]
 * float32 matrix, accumulated in double: tfjs's Sum over leading axes (a conv or dense layer's bias
 * gradient), which the wasm backend computes by transposing first.
 */
__attribute__((target_clones("avx512f", "avx2", "default")))
void vk_sum_rows(const float *x, float *out, int64_t rows, int64_t cols, double *acc) {
  for (int64_t c = 0; c < cols; c++) acc[c] = 0.0;
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    for (int64_t c = 0; c < cols; c++) acc[c] += (double)xr[c];
  }
  for (int64_t c = 0; c < cols; c++) out[c] = (float)acc[c];
}

static napi_value js_sum_rows(napi_env env, napi_callback_info info) {
  char *base = NULL;
  int64_t heapBytes = 0, v[4];
  if (!read_args(env, info, "sumRows", 4, v, 0, NULL, &base, &heapBytes)) return NULL;
  const int64_t rows = v[0], cols = v[1];
  if (rows < 0 || cols < 1 || !in_heap(v[2], rows * cols * 4, heapBytes) || !in_heap(v[3], cols * 4, heapBytes)) {
    napi_throw_range_error(env, NULL, "vaekit native sumRows: operand outside the heap");
    return NULL;
  }
  double *acc = (double *)malloc((size_t)cols * sizeof(double));
  if (acc == NULL) {
    napi_throw_error(env, "ENOMEM", "vaekit native sumRows: out of memory");
    return NULL;
  }
  vk_sum_rows((const float *)(base + v[2]), (float *)(base + v[3]), rows, cols, acc);
  free(acc);
  return NULL;
}

/*
 * One Adam step in place, with tfjs's AdamOptimizer arithmetic op for op in float32 (every
 * product, sum, quotient and square root rounded as its separate wasm kernels round them; no
 * contraction into FMA), so a run with the native kernels matches one without bit for bit:
 *   m <- m*b1 + g*(1-b1);  v <- v*b2 + (g*g)*(1-b2)
 *   w <- ((m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)) * (-lr) + w
 */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void adam_step(const float *w, float *w_out, const float *restrict g, float *restrict m,
                      float *restrict v, size_t count, float b1, float c1, float b2, float c2, float d1,
                      float d2, float eps, float neg_lr) {
  for (size_t i = 0; i < count; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * c1;
    const float vi = v[i] * b2 + (gi * gi) * c2;
    m[i] = mi;
    v[i] = vi;
    w_out[i] = ((mi / d1) / (sqrtf(vi / d2) + eps)) * neg_lr + w[i];
  }
}


/* Share t of `threads` contiguous shares [lo, hi) of `count` elements, each a multiple of 16 floats but the last. */
static void vk_share(size_t count, int t, int threads, size_t *lo, size_t *hi) {
  const size_t blocks = (count + 15) / 16;
  *lo = blocks * (size_t)t / (size_t)threads * 16;
  *hi = blocks * (size_t)(t + 1) / (size_t)threads * 16;
  if (*hi > count) *hi = count;
}

/* Threads for an elementwise pass over `count` floats: the GEMM's from 65536 on, else one (a split does
 * not change a bit of an elementwise result). */
static int elementwise_threads(size_t count) {
  if (count < 65536) return 1;
  return gemm_threads < VK_POOL_MAX_TASKS ? gemm_threads : VK_POOL_MAX_TASKS;
}

/* One variable of adamMany: its value, new value, gradient and moments, `count` floats each. */
typedef struct {
  const float *w;
  float *w_out;
  const float *g;
  float *m, *v;
  size_t count;
} adam_slot;

typedef struct {
  const adam_slot *slots;
  size_t numSlots, total;
  float s[8];
  int threads;
} adam_many_job;

/* Share t of the slots' elements taken end to end (vk_share). */
static void adam_many_task(void *arg, int t) {
  const adam_many_job *j = (const adam_many_job *)arg;
  size_t lo, hi;
  vk_share(j->total, t, j->threads, &lo, &hi);
  size_t start = 0;
  for (size_t i = 0; i < j->numSlots && start < hi; start += j->slots[i].count, i++) {
    const adam_slot *a = j->slots + i;
    const size_t from = lo > start ? lo - start : 0, to = hi - start < a->count ? hi - start : a->count;
    if (from >= to) continue;
    adam_step(a->w + from, a->w_out + from, a->g + from, a->m + from, a->v + from, to - from, j->s[0], j->s[1], j->s[2],
              j->s[3], j->s[4], j->s[5], j->s[6], j->s[7]);
  }
}

/*
 * adamMany(heap, descriptor): one Adam step (adam_step) over several variables in one call, split
 * over the threads as one run of elements, so the small variables share the threads too. descriptor
 * is a Float64Array: [n, beta1, 1-beta1, beta2, 1-beta2, 1-beta1^t, 1-beta2^t, epsilon,
 * -learningRate, then n × (count, wOff, wOutOff, gOff, mOff, vOff)]: byte offsets into `heap`; the
 * moments are updated in place, the new weights written at wOutOff (which may equal wOff); every
 * scalar is a float32 value (the caller rounds it as tfjs would).
 */
static napi_value js_adam_many(napi_env env, napi_callback_info info) {
  char *base = NULL;
  int64_t heapBytes = 0;
  const double *d = NULL;
  size_t descLength = 0;
  if (!vk_heap_descriptor_args(env, info, "adamMany", &base, &heapBytes, &d, &descLength)) return NULL;
  if (descLength < 9 || d[0] < 0 || (double)descLength != 9 + 6 * d[0]) {
    napi_throw_range_error(env, NULL, "vaekit native adamMany: descriptor length does not match its slot count");
    return NULL;
  }
  const size_t n = (size_t)d[0];
  adam_slot *slots = (adam_slot *)malloc((n > 0 ? n : 1) * sizeof(adam_slot));
  if (slots == NULL) {
    napi_throw_error(env, "ENOMEM", "vaekit native adamMany: out of memory");
    return NULL;
  }
  adam_many_job job = {slots, n, 0, {0}, 1};
  for (int i = 0; i < 8; i++) job.s[i] = (float)d[1 + i];
  for (size_t i = 0; i < n; i++) {
    const double *e = d + 9 + 6 * i;
    const int64_t count = (int64_t)e[0];
    for (int k = 1; k < 6; k++) {
      if (count < 0 || e[k] != (double)(int64_t)e[k] || !in_heap((int64_t)e[k], count * 4, heapBytes)) {
        free(slots);
        napi_throw_range_error(env, NULL, "vaekit native adamMany: operand outside the heap");
        return NULL;
      }
    }
    slots[i] = (adam_slot){(const float *)(base + (int64_t)e[1]), (float *)(base + (int64_t)e[2]), (const float *)(base + (int64_t)e[3]),
                           (float *)(base + (int64_t)e[4]), (float *)(base + (int64_t)e[5]), (size_t)count};
    job.total += (size_t)count;
  }
  job.threads = elementwise_threads(job.total);
  vk_pool_run(adam_many_task, &job, job.threads);
  free(slots);
  return NULL;
}

/*
 * x[i] <- 0 where |x[i]| < threshold (a float32 value), in place: what tfjs computes as
 * where(less(abs(x), threshold), zerosLike(x), x) for Adam's denormal flush (src/training/optimizer.ts),
 * bit for bit (NaN stays NaN, -0 and tiny negatives become +0), in one pass instead of five kernels.
 */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void flush_tiny(float *x, size_t count, float threshold) {
  for (size_t i = 0; i < count; i++) x[i] = fabsf(x[i]) < threshold ? 0.0f : x[i];
}

typedef struct {
  float *x;
  size_t count;
  float threshold;
  int threads;
} flush_job;

static void flush_task(void *arg, int t) {
  const flush_job *j = (const flush_job *)arg;
  size_t lo, hi;
  vk_share(j->count, t, j->threads, &lo, &hi);
  if (lo < hi) flush_tiny(j->x + lo, hi - lo, j->threshold);
}

/* flushTiny(heap, count, off, threshold): byte offset into `heap`; threshold a float32 value. */
static napi_value js_flush_tiny(napi_env env, napi_callback_info info) {
  char *base = NULL;
  int64_t heapBytes = 0, v[2];
  double threshold = 0;
  if (!read_args(env, info, "flushTiny", 2, v, 1, &threshold, &base, &heapBytes)) return NULL;
  if (v[0] < 0 || !in_heap(v[1], v[0] * 4, heapBytes)) {
    napi_throw_range_error(env, NULL, "vaekit native flushTiny: operand outside the heap");
    return NULL;
  }
  flush_job job = {(float *)(base + v[1]), (size_t)v[0], (float)threshold, elementwise_threads((size_t)v[0])};
  vk_pool_run(flush_task, &job, job.threads);
  return NULL;
}

/* glibc's vector math (libmvec) has SIMD expf and log1pf; declaring them so lets the loop below
 * vectorise without -ffast-math (which would also drop NaN checks). */
float expf(float) __attribute__((simd("notinbranch")));
float log1pf(float) __attribute__((simd("notinbranch")));

/*
 * Bernoulli log-likelihood on logits, summed over the last axis, for rows [r0, r1):
 *   out[r] = -sum_d [ max(l,0) - l*x + log1p(exp(-|l|)) ],  x row = r mod xRows
 * (x repeats over the logits' leading axes: K importance samples share one image).
 */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void bernoulli_rows(const float *x, const float *l, float *out, int64_t r0, int64_t r1,
                           int64_t d, int64_t xRows) {
  for (int64_t r = r0; r < r1; r++) {
    const float *xr = x + (r % xRows) * d;
    const float *lr = l + r * d;
    float acc = 0.f;
#pragma omp simd reduction(+ : acc)
    for (int64_t j = 0; j < d; j++) {
      const float lj = lr[j];
      acc += (lj > 0.f ? lj : 0.f) - lj * xr[j] + log1pf(expf(-fabsf(lj)));
    }
    out[r] = -acc;
  }
}

typedef struct {
  const float *x, *l;
  float *out;
  int64_t r0, r1, d, xRows;
} bernoulli_job;

static void bernoulli_task(void *jobs, int t) {
  const bernoulli_job *j = (const bernoulli_job *)jobs + t;
  bernoulli_rows(j->x, j->l, j->out, j->r0, j->r1, j->d, j->xRows);
}

/* bernoulliLogProb(heap, rows, d, xRows, xOff, lOff, outOff, threads) */
static napi_value js_bernoulli(napi_env env, napi_callback_info info) {
  char *base = NULL;
  int64_t heapBytes = 0, v[7];
  if (!read_args(env, info, "bernoulliLogProb", 7, v, 0, NULL, &base, &heapBytes)) return NULL;
  const int64_t rows = v[0], d = v[1], xRows = v[2], xOff = v[3], lOff = v[4], oOff = v[5];
  int64_t threads = v[6] < 1 ? 1 : (v[6] > 16 ? 16 : v[6]);
  if (rows < 0 || d < 0 || xRows < 1 || rows % xRows != 0 || !in_heap(xOff, xRows * d * 4, heapBytes) ||
      !in_heap(lOff, rows * d * 4, heapBytes) || !in_heap(oOff, rows * 4, heapBytes)) {
    napi_throw_range_error(env, NULL, "vaekit native bernoulliLogProb: operand outside the heap");
    return NULL;
  }
  const float *x = (const float *)(base + xOff), *l = (const float *)(base + lOff);
  float *out = (float *)(base + oOff);
  if (rows * d < (1 << 18)) threads = 1; /* small: a thread costs more than it saves */
  bernoulli_job jobs[VK_POOL_MAX_TASKS];
  for (int64_t t = 0; t < threads; t++) jobs[t] = (bernoulli_job){x, l, out, rows * t / threads, rows * (t + 1) / threads, d, xRows};
  vk_pool_run(bernoulli_task, jobs, (int)threads);
  return NULL;
}

/* randomNormal(out: Float32Array, mean, stdDev, seed: string): see native/normal.c. */
static napi_value js_random_normal(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  napi_typedarray_type type;
  size_t count = 0, seedLength = 0;
  void *data = NULL;
  double mean = 0, stdDev = 0;
  napi_valuetype seedType;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4 ||
      napi_get_typedarray_info(env, argv[0], &type, &count, &data, NULL, NULL) != napi_ok || type != napi_float32_array ||
      napi_get_value_double(env, argv[1], &mean) != napi_ok || napi_get_value_double(env, argv[2], &stdDev) != napi_ok ||
      napi_typeof(env, argv[3], &seedType) != napi_ok || seedType != napi_string ||
      napi_get_value_string_utf16(env, argv[3], NULL, 0, &seedLength) != napi_ok) {
    napi_throw_type_error(env, NULL, "vaekit native randomNormal: expected (Float32Array, mean, stdDev, seed string)");
    return NULL;
  }
  char16_t *seed = malloc((seedLength + 1) * sizeof *seed);
  if (seed == NULL) {
    napi_throw_error(env, "ENOMEM", "vaekit native randomNormal: out of memory for the seed");
    return NULL;
  }
  if (napi_get_value_string_utf16(env, argv[3], seed, seedLength + 1, &seedLength) != napi_ok) {
    free(seed);
    napi_throw_type_error(env, NULL, "vaekit native randomNormal: cannot read the seed string");
    return NULL;
  }
  vk_random_normal((float *)data, count, mean, stdDev, (const uint16_t *)seed, seedLength);
  free(seed);
  return NULL;
}

/* jsLog(values: Float64Array): Math.log of each element, in place, as V8 computes it (native/normal.c). */
static napi_value js_js_log(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  napi_typedarray_type type;
  size_t count = 0;
  void *data = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_typedarray_info(env, argv[0], &type, &count, &data, NULL, NULL) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "vaekit native jsLog: expected (Float64Array)");
    return NULL;
  }
  double *values = (double *)data;
  for (size_t i = 0; i < count; i++) values[i] = vk_js_log(values[i]);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"load", NULL, js_load, NULL, NULL, NULL, napi_default, NULL},
      {"gemm", NULL, js_gemm, NULL, NULL, NULL, napi_default, NULL},
      {"conv2d", NULL, js_conv2d, NULL, NULL, NULL, napi_default, NULL},
      {"sumRows", NULL, js_sum_rows, NULL, NULL, NULL, napi_default, NULL},
      {"flushTiny", NULL, js_flush_tiny, NULL, NULL, NULL, napi_default, NULL},
      {"adamMany", NULL, js_adam_many, NULL, NULL, NULL, napi_default, NULL},
      {"bernoulliLogProb", NULL, js_bernoulli, NULL, NULL, NULL, napi_default, NULL},
      {"mlpVaeStep", NULL, vk_js_mlp_vae_step, NULL, NULL, NULL, napi_default, NULL},
      {"mlpLogWeights", NULL, vk_js_mlp_log_weights, NULL, NULL, NULL, napi_default, NULL},
      {"randomNormal", NULL, js_random_normal, NULL, NULL, NULL, napi_default, NULL},
      {"jsLog", NULL, js_js_log, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
