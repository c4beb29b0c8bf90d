/*
 * vaekit's own single-precision GEMM (declared in native/matmul.h): the addon's matrix products
 * where no OpenBLAS loads (a fresh machine), about as fast as OpenBLAS at the VAE's sizes.
 *
 * The BLIS structure (Van Zee & van de Geijn 2015; Goto & van de Geijn 2008), row-major:
 *   for jc over n in steps of nc          B panel op(B)[pc:pc+kc, jc:jc+nc], packed (L2 / L3)
 *     for pc over k in steps of kc
 *       pack B into kc × nr micro-panels (each p: nr consecutive values of a row of op(B))
 *       for ic over m in steps of mc      A block op(A)[ic:ic+mc, pc:pc+kc], packed (L2)
 *         pack A into mr × kc micro-panels (each p: mr consecutive values of a column of op(A))
 *         for jr over the panel's nr-wide columns    (the B micro-panel stays in L1)
 *           for ir over the block's mr-tall rows
 *             C[ir:ir+mr, jr:jr+nr] (+)= A micro-panel · B micro-panel    the microkernel
 * Packing absorbs the transposes and pads the edges with zeros; an edge tile is computed into a
 * scratch tile and the part inside C copied out. Each element of C is summed in the same order
 * (over p within a kc block, then the blocks in turn) wherever its tile falls, so splitting a
 * product over threads by rows or columns does not change a bit of the result.
 *
 * The microkernel keeps an mr × nr tile of C in vector registers: per p it loads one row of the
 * B micro-panel (nr floats) and, for each of the mr rows, broadcasts one value of A and adds the
 * product with an FMA. AVX-512: 12 × 32 (24 zmm accumulators); AVX2 + FMA: 6 × 16 (12 ymm);
 * portable: 6 × 8 in GCC / Clang vector types (SSE2 on any x86-64, NEON on Arm; plain C loops for
 * other compilers). The x86 ones are
 * compiled with __attribute__((target(...))) so the addon builds for any x86-64 and picks one at
 * run time from __builtin_cpu_supports.
 */
#define _POSIX_C_SOURCE 200809L
#include "matmul.h"
#include <stdlib.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define VK_X86 1
#else
#define VK_X86 0
#endif

/* C[mr, nr] (ldc apart) = (accumulate ? C : 0) + A micro-panel [kc, mr] · B micro-panel [kc, nr]. */
typedef void (*microkernel_fn)(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int accumulate);

typedef struct {
  int mr, nr;
  int64_t kc, mc, nc; /* block sizes; mc a multiple of mr, nc of nr */
  microkernel_fn run;
  const char *name;
} microkernel;

enum { MAX_MR = 12, MAX_NR = 32 };

/* ---- portable: 6 × 8, in GCC / Clang vector types where there are (SSE2, NEON, ...), else plain C ---- */

#if defined(__GNUC__)
typedef float v4f __attribute__((vector_size(16)));

static void microkernel_portable(int64_t kc, const float *restrict a, const float *restrict b, float *restrict c,
                                 int64_t ldc, int accumulate) {
  /* 12 accumulators of 4 floats, two B vectors and a broadcast: 15 registers, as SSE2 has 16. */
  v4f t[6][2];
  for (int r = 0; r < 6; r++) t[r][0] = t[r][1] = (v4f){0.f, 0.f, 0.f, 0.f};
  for (int64_t p = 0; p < kc; p++, a += 6, b += 8) {
    v4f b0, b1;
    memcpy(&b0, b, sizeof b0);
    memcpy(&b1, b + 4, sizeof b1);
    for (int r = 0; r < 6; r++) {
      const v4f ar = {a[r], a[r], a[r], a[r]};
      t[r][0] += ar * b0;
      t[r][1] += ar * b1;
    }
  }
  for (int r = 0; r < 6; r++) {
    float *cr = c + r * ldc;
    v4f c0 = t[r][0], c1 = t[r][1];
    if (accumulate) {
      v4f o0, o1;
      memcpy(&o0, cr, sizeof o0);
      memcpy(&o1, cr + 4, sizeof o1);
      c0 = o0 + c0;
      c1 = o1 + c1;
    }
    memcpy(cr, &c0, sizeof c0);
    memcpy(cr + 4, &c1, sizeof c1);
  }
}
#else
static void microkernel_portable(int64_t kc, const float *restrict a, const float *restrict b, float *restrict c,
                                 int64_t ldc, int accumulate) {
  float t[6][8];
  memset(t, 0, sizeof t);
  for (int64_t p = 0; p < kc; p++, a += 6, b += 8)
    for (int r = 0; r < 6; r++)
      for (int j = 0; j < 8; j++) t[r][j] += a[r] * b[j];
  for (int r = 0; r < 6; r++)
    for (int j = 0; j < 8; j++) c[r * ldc + j] = accumulate ? c[r * ldc + j] + t[r][j] : t[r][j];
}
#endif

#if VK_X86
/* ---- AVX2 + FMA: 6 × 16, two ymm per row ---- */

#define AVX2_ROW(r)                                     \
  do {                                                  \
    const __m256 ar = _mm256_broadcast_ss(a + (r));     \
    c##r##0 = _mm256_fmadd_ps(ar, b0, c##r##0);         \
    c##r##1 = _mm256_fmadd_ps(ar, b1, c##r##1);         \
  } while (0)
#define AVX2_STORE(r)                                                                      \
  do {                                                                                     \
    float *cr = c + (r) * ldc;                                                             \
    if (accumulate) {                                                                      \
      c##r##0 = _mm256_add_ps(_mm256_loadu_ps(cr), c##r##0);                               \
      c##r##1 = _mm256_add_ps(_mm256_loadu_ps(cr + 8), c##r##1);                           \
    }                                                                                      \
    _mm256_storeu_ps(cr, c##r##0);                                                         \
    _mm256_storeu_ps(cr + 8, c##r##1);                                                     \
  } while (0)

__attribute__((target("avx2,fma"))) static void microkernel_avx2(int64_t kc, const float *restrict a,
                                                                 const float *restrict b, float *restrict c,
                                                                 int64_t ldc, int accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int64_t p = 0; p < kc; p++, a += 6, b += 16) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    AVX2_ROW(0);
    AVX2_ROW(1);
    AVX2_ROW(2);
    AVX2_ROW(3);
    AVX2_ROW(4);
    AVX2_ROW(5);
  }
  AVX2_STORE(0);
  AVX2_STORE(1);
  AVX2_STORE(2);
  AVX2_STORE(3);
  AVX2_STORE(4);
  AVX2_STORE(5);
}

/* ---- AVX-512F: 12 × 32, two zmm per row ---- */

#define AVX512_ROW(r)                                   \
  do {                                                  \
    const __m512 ar = _mm512_set1_ps(a[r]);             \
    c##r##_0 = _mm512_fmadd_ps(ar, b0, c##r##_0);       \
    c##r##_1 = _mm512_fmadd_ps(ar, b1, c##r##_1);       \
  } while (0)
#define AVX512_STORE(r)                                                                    \
  do {                                                                                     \
    float *cr = c + (r) * ldc;                                                             \
    if (accumulate) {                                                                      \
      c##r##_0 = _mm512_add_ps(_mm512_loadu_ps(cr), c##r##_0);                             \
      c##r##_1 = _mm512_add_ps(_mm512_loadu_ps(cr + 16), c##r##_1);                        \
    }                                                                                      \
    _mm512_storeu_ps(cr, c##r##_0);                                                        \
    _mm512_storeu_ps(cr + 16, c##r##_1);                                                   \
  } while (0)

__attribute__((target("avx512f"))) static void microkernel_avx512(int64_t kc, const float *restrict a,
                                                                  const float *restrict b, float *restrict c,
                                                                  int64_t ldc, int accumulate) {
  __m512 c0_0 = _mm512_setzero_ps(), c0_1 = c0_0, c1_0 = c0_0, c1_1 = c0_0, c2_0 = c0_0, c2_1 = c0_0;
  __m512 c3_0 = c0_0, c3_1 = c0_0, c4_0 = c0_0, c4_1 = c0_0, c5_0 = c0_0, c5_1 = c0_0;
  __m512 c6_0 = c0_0, c6_1 = c0_0, c7_0 = c0_0, c7_1 = c0_0, c8_0 = c0_0, c8_1 = c0_0;
  __m512 c9_0 = c0_0, c9_1 = c0_0, c10_0 = c0_0, c10_1 = c0_0, c11_0 = c0_0, c11_1 = c0_0;
  for (int64_t p = 0; p < kc; p++, a += 12, b += 32) {
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
    AVX512_ROW(0);
    AVX512_ROW(1);
    AVX512_ROW(2);
    AVX512_ROW(3);
    AVX512_ROW(4);
    AVX512_ROW(5);
    AVX512_ROW(6);
    AVX512_ROW(7);
    AVX512_ROW(8);
    AVX512_ROW(9);
    AVX512_ROW(10);
    AVX512_ROW(11);
  }
  AVX512_STORE(0);
  AVX512_STORE(1);
  AVX512_STORE(2);
  AVX512_STORE(3);
  AVX512_STORE(4);
  AVX512_STORE(5);
  AVX512_STORE(6);
  AVX512_STORE(7);
  AVX512_STORE(8);
  AVX512_STORE(9);
  AVX512_STORE(10);
  AVX512_STORE(11);
}
#endif

static const microkernel MICROKERNELS[VK_GEMM_KERNELS] = {
    {6, 8, 256, 144, 4096, microkernel_portable, "portable 6x8"},
#if VK_X86
    {6, 16, 256, 144, 4096, microkernel_avx2, "avx2 6x16"},
    {12, 32, 256, 144, 4096, microkernel_avx512, "avx512 12x32"},
#else
    {6, 8, 256, 144, 4096, microkernel_portable, "avx2 (not built)"},
    {6, 8, 256, 144, 4096, microkernel_portable, "avx512 (not built)"},
#endif
};

int vk_gemm_supported(vk_gemm_kernel kernel) {
  if (kernel == VK_GEMM_PORTABLE) return 1;
#if VK_X86
  __builtin_cpu_init();
  if (kernel == VK_GEMM_AVX2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (kernel == VK_GEMM_AVX512) return __builtin_cpu_supports("avx512f");
#endif
  return 0;
}

vk_gemm_kernel vk_gemm_best(void) {
  if (vk_gemm_supported(VK_GEMM_AVX512)) return VK_GEMM_AVX512;
  if (vk_gemm_supported(VK_GEMM_AVX2)) return VK_GEMM_AVX2;
  return VK_GEMM_PORTABLE;
}

const char *vk_gemm_name(vk_gemm_kernel kernel) {
  return kernel >= 0 && kernel < VK_GEMM_KERNELS ? MICROKERNELS[kernel].name : "unknown";
}

void vk_gemm_tile(vk_gemm_kernel kernel, int *mr, int *nr) {
  const microkernel *uk = &MICROKERNELS[kernel >= 0 && kernel < VK_GEMM_KERNELS ? kernel : VK_GEMM_PORTABLE];
  *mr = uk->mr;
  *nr = uk->nr;
}

vk_gemm_kernel vk_gemm_parse(const char *name) {
  if (name == NULL) return VK_GEMM_KERNELS;
  if (strcmp(name, "avx512") == 0) return VK_GEMM_AVX512;
  if (strcmp(name, "avx2") == 0) return VK_GEMM_AVX2;
  if (strcmp(name, "portable") == 0) return VK_GEMM_PORTABLE;
  return VK_GEMM_KERNELS;
}

/*
 * dst[p*w + r] = src[r*ld + p] for r < rows and p < kb; rows up to w are zero. The packing of
 * op(A) untransposed and of op(B) transposed: `rows` contiguous rows become a p-major micro-panel.
 * With GCC or Clang, 4 × 4 blocks go through vector shuffles (4 loads and 4 stores of 4 floats
 * instead of 16 scalar moves with strided stores).
 */
static void pack_transposed(float *restrict dst, const float *restrict src, int64_t ld, int rows, int w, int64_t kb) {
  int r0 = 0;
#if defined(__GNUC__)
#if defined(__clang__)
#define VK_SHUFFLE(x, y, i0, i1, i2, i3) __builtin_shufflevector((x), (y), i0, i1, i2, i3)
#else
  typedef int v4i __attribute__((vector_size(16)));
#define VK_SHUFFLE(x, y, i0, i1, i2, i3) __builtin_shuffle((x), (y), (v4i){i0, i1, i2, i3})
#endif
  for (; r0 + 4 <= rows; r0 += 4) {
    const float *s0 = src + r0 * ld, *s1 = s0 + ld, *s2 = s1 + ld, *s3 = s2 + ld;
    int64_t p = 0;
    for (; p + 4 <= kb; p += 4) {
      v4f v0, v1, v2, v3;
      memcpy(&v0, s0 + p, sizeof v0);
      memcpy(&v1, s1 + p, sizeof v1);
      memcpy(&v2, s2 + p, sizeof v2);
      memcpy(&v3, s3 + p, sizeof v3);
      const v4f t0 = VK_SHUFFLE(v0, v1, 0, 4, 1, 5), t1 = VK_SHUFFLE(v0, v1, 2, 6, 3, 7);
      const v4f t2 = VK_SHUFFLE(v2, v3, 0, 4, 1, 5), t3 = VK_SHUFFLE(v2, v3, 2, 6, 3, 7);
      const v4f o0 = VK_SHUFFLE(t0, t2, 0, 1, 4, 5), o1 = VK_SHUFFLE(t0, t2, 2, 3, 6, 7);
      const v4f o2 = VK_SHUFFLE(t1, t3, 0, 1, 4, 5), o3 = VK_SHUFFLE(t1, t3, 2, 3, 6, 7);
      float *d = dst + p * w + r0;
      memcpy(d, &o0, sizeof o0);
      memcpy(d + w, &o1, sizeof o1);
      memcpy(d + 2 * w, &o2, sizeof o2);
      memcpy(d + 3 * w, &o3, sizeof o3);
    }
    for (; p < kb; p++) {
      float *d = dst + p * w + r0;
      d[0] = s0[p];
      d[1] = s1[p];
      d[2] = s2[p];
      d[3] = s3[p];
    }
  }
#undef VK_SHUFFLE
#endif
  for (int r = r0; r < rows; r++) {
    const float *s = src + r * ld;
    for (int64_t p = 0; p < kb; p++) dst[p * w + r] = s[p];
  }
  if (rows < w)
    for (int64_t p = 0; p < kb; p++)
      for (int r = rows; r < w; r++) dst[p * w + r] = 0.f;
}

/* dst[p*w + r] = src[p*ld + r] for r < cols, zero up to w: a copy of contiguous runs. */
static void pack_copied(float *restrict dst, const float *restrict src, int64_t ld, int cols, int w, int64_t kb) {
  for (int64_t p = 0; p < kb; p++) {
    float *d = dst + p * w;
    memcpy(d, src + p * ld, (size_t)cols * sizeof(float));
    for (int j = cols; j < w; j++) d[j] = 0.f;
  }
}

/*
 * Packs op(A)[i0:i0+mb, p0:p0+kb] into ceil(mb/mr) micro-panels, each [kb, mr] (p-major), rows past
 * mb zero. op(A)(i, p) = A[i*lda + p], or A[p*lda + i] when transposed.
 */
static void pack_a(float *restrict dst, const float *restrict a, int64_t lda, int transA, int64_t i0, int64_t p0,
                   int64_t mb, int64_t kb, int mr) {
  for (int64_t ir = 0; ir < mb; ir += mr, dst += kb * mr) {
    const int rows = mb - ir < mr ? (int)(mb - ir) : mr;
    if (transA)
      pack_copied(dst, a + p0 * lda + i0 + ir, lda, rows, mr, kb);
    else
      pack_transposed(dst, a + (i0 + ir) * lda + p0, lda, rows, mr, kb);
  }
}

/*
 * Packs op(B)[p0:p0+kb, j0:j0+nb] into ceil(nb/nr) micro-panels, each [kb, nr] (p-major), columns
 * past nb zero. op(B)(p, j) = B[p*ldb + j], or B[j*ldb + p] when transposed.
 */
static void pack_b(float *restrict dst, const float *restrict b, int64_t ldb, int transB, int64_t p0, int64_t j0,
                   int64_t kb, int64_t nb, int nr) {
  for (int64_t jr = 0; jr < nb; jr += nr, dst += kb * nr) {
    const int cols = nb - jr < nr ? (int)(nb - jr) : nr;
    if (transB)
      pack_transposed(dst, b + (j0 + jr) * ldb + p0, ldb, cols, nr, kb);
    else
      pack_copied(dst, b + p0 * ldb + j0 + jr, ldb, cols, nr, kb);
  }
}

static float *alloc_floats(int64_t count) {
  size_t bytes = ((size_t)count * sizeof(float) + 63) & ~(size_t)63;
  return (float *)aligned_alloc(64, bytes < 64 ? 64 : bytes);
}

static int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }
static int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }

int vk_sgemm(vk_gemm_kernel kernel, int transA, int transB, int64_t m, int64_t n, int64_t k, const float *a,
             int64_t lda, const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
  if (m <= 0 || n <= 0) return 0;
  if (beta != 1.f) {
    for (int64_t i = 0; i < m; i++) {
      float *ci = c + i * ldc;
      if (beta == 0.f)
        memset(ci, 0, (size_t)n * sizeof(float));
      else
        for (int64_t j = 0; j < n; j++) ci[j] *= beta;
    }
  }
  if (k <= 0) return 0;
  const int firstAccumulates = beta != 0.f;
  if (kernel < 0 || kernel >= VK_GEMM_KERNELS) kernel = VK_GEMM_PORTABLE;
  const microkernel *uk = &MICROKERNELS[kernel];
  const int mr = uk->mr, nr = uk->nr;
  const int64_t kc = min64(uk->kc, k), mc = min64(uk->mc, round_up(m, mr)), nc = min64(uk->nc, round_up(n, nr));
  float *bp = alloc_floats(kc * nc), *ap = alloc_floats(kc * mc);
  if (bp == NULL || ap == NULL) {
    free(bp);
    free(ap);
    return -1;
  }
  float tile[MAX_MR * MAX_NR] __attribute__((aligned(64)));
  for (int64_t jc = 0; jc < n; jc += nc) {
    const int64_t nb = min64(nc, n - jc);
    for (int64_t pc = 0; pc < k; pc += kc) {
      const int64_t kb = min64(kc, k - pc);
      const int accumulate = pc > 0 || firstAccumulates;
      pack_b(bp, b, ldb, transB, pc, jc, kb, nb, nr);
      for (int64_t ic = 0; ic < m; ic += mc) {
        const int64_t mb = min64(mc, m - ic);
        pack_a(ap, a, lda, transA, ic, pc, mb, kb, mr);
        for (int64_t jr = 0; jr < nb; jr += nr) {
          const int cols = nb - jr < nr ? (int)(nb - jr) : nr;
          const float *bpanel = bp + (jr / nr) * kb * nr;
          for (int64_t ir = 0; ir < mb; ir += mr) {
            const int rows = mb - ir < mr ? (int)(mb - ir) : mr;
            const float *apanel = ap + (ir / mr) * kb * mr;
            float *cij = c + (ic + ir) * ldc + jc + jr;
            if (rows == mr && cols == nr) {
              uk->run(kb, apanel, bpanel, cij, ldc, accumulate);
            } else {
              /* An edge tile: the same microkernel into scratch, then the part inside C. */
              uk->run(kb, apanel, bpanel, tile, nr, 0);
              for (int r = 0; r < rows; r++) {
                float *cr = cij + r * ldc;
                const float *tr = tile + r * nr;
                if (accumulate)
                  for (int j = 0; j < cols; j++) cr[j] += tr[j];
                else
                  for (int j = 0; j < cols; j++) cr[j] = tr[j];
              }
            }
          }
        }
      }
    }
  }
  free(bp);
  free(ap);
  return 0;
}
