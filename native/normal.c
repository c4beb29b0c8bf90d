/*
 * TensorFlow.js's seeded tf.randomNormal(shape, mean, stdDev, 'float32', seed), bit for bit.
 *
 * tfjs draws it in plain JavaScript (tfjs-core src/ops/rand_util.ts, MPRandGauss): seedrandom's
 * Alea generator seeded with String(seed), Marsaglia's polar method giving values in pairs (the
 * second kept for the next call), mean + stdDev·v·mul in doubles, then a float32 store. This file
 * computes the same doubles (the same operations in the same order, but for Alea's carry, found by
 * a test that gives the same value: alea_next_fast), so every value is the same float32:
 *   - compiled without FMA contraction and without -ffast-math (binding.gyp: its own target with
 *     -ffp-contract=off), and with double arithmetic in SSE2 registers (FLT_EVAL_METHOD 0), as
 *     JavaScript's numbers are;
 *   - JavaScript's ToUint32 / ToInt32 (`>>> 0`, `| 0`) where Alea uses them;
 *   - Math.log as V8 computes it (fdlibm's __ieee754_log, ported below), not libm's log, which may
 *     round the other way; Math.sqrt is the correctly rounded IEEE square root, as is C's sqrt.
 * test/node/native-normal.test.ts compares every value with tf.randomNormal's.
 *
 * Alea: Copyright (C) 2010 by Johannes Baagøe, MIT licence (node_modules/seedrandom/lib/alea.js).
 * The logarithm: from fdlibm (http://www.netlib.org/fdlibm) as adapted by V8
 * (src/base/ieee754.cc):
 * ====================================================
 * Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *
 * Developed at SunSoft, a Sun Microsystems, Inc. business.
 * Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice
 * is preserved.
 * ====================================================
 */
#include "normal.h"

#include <float.h>
#include <math.h>
#include <string.h>

#if defined(__FAST_MATH__)
#error "native/normal.c must be compiled without -ffast-math: it reproduces JavaScript's double arithmetic exactly"
#endif
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "native/normal.c needs double arithmetic in double precision (FLT_EVAL_METHOD 0, e.g. SSE2), as JavaScript has"
#endif

static inline uint64_t bits_of(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

static inline double double_of(uint64_t u) {
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

/* The high 32 bits of x replaced by `hi`. */
static inline double with_high_word(double x, uint32_t hi) {
  return double_of((bits_of(x) & 0xFFFFFFFFu) | ((uint64_t)hi << 32));
}

/*
 * log(x), fdlibm's __ieee754_log as V8 has it (V8 before its switch to LLVM's libc; Node.js 20 and
 * 22). Method: x = 2^k·(1 + f) with √2/2 < 1 + f < √2, log(1 + f) = 2s + 2/3·s³ + … with
 * s = f / (2 + f), by a polynomial R(z) in z = s² (Remez, error < 2^-58.45); error < 1 ulp.
 * Special cases: log(±0) = −∞, log(x < 0) = NaN, log(+∞) = +∞, log(NaN) = NaN.
 */
double vk_js_log(double x) {
  static const double ln2_hi = 6.93147180369123816490e-01, /* 3fe62e42 fee00000 */
      ln2_lo = 1.90821492927058770002e-10,                  /* 3dea39ef 35793c76 */
      two54 = 1.80143985094819840000e+16,                   /* 43500000 00000000 */
      Lg1 = 6.666666666666735130e-01,                       /* 3FE55555 55555593 */
      Lg2 = 3.999999999940941908e-01,                       /* 3FD99999 9997FA04 */
      Lg3 = 2.857142874366239149e-01,                       /* 3FD24924 94229359 */
      Lg4 = 2.222219843214978396e-01,                       /* 3FCC71C5 1D8E78AF */
      Lg5 = 1.818357216161805012e-01,                       /* 3FC74664 96CB03DE */
      Lg6 = 1.531383769920937332e-01,                       /* 3FC39A09 D078C69F */
      Lg7 = 1.479819860511658591e-01;                       /* 3FC2F112 DF3E5244 */
  double hfsq, f, s, z, R, w, t1, t2, dk;
  int32_t k, hx, i, j;
  uint32_t lx;

  hx = (int32_t)(uint32_t)(bits_of(x) >> 32);
  lx = (uint32_t)bits_of(x);
  k = 0;
  if (hx < 0x00100000) {                           /* x < 2**-1022 */
    if (((hx & 0x7FFFFFFF) | lx) == 0) return -INFINITY; /* log(+-0) = -inf */
    if (hx < 0) return NAN;                        /* log(-#) = NaN */
    k -= 54;
    x *= two54; /* subnormal number, scale up x */
    hx = (int32_t)(uint32_t)(bits_of(x) >> 32);
  }
  if (hx >= 0x7FF00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000FFFFF;
  i = (hx + 0x95F64) & 0x100000;
  x = with_high_word(x, (uint32_t)(hx | (i ^ 0x3FF00000))); /* normalize x or x/2 */
  k += (i >> 20);
  f = x - 1.0;
  if ((0x000FFFFF & (2 + hx)) < 3) { /* -2**-20 <= f < 2**-20 */
    if (f == 0.0) {
      if (k == 0) return 0.0;
      dk = (double)k;
      return dk * ln2_hi + dk * ln2_lo;
    }
    R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    dk = (double)k;
    return dk * ln2_hi - ((R - dk * ln2_lo) - f);
  }
  s = f / (2.0 + f);
  dk = (double)k;
  z = s * s;
  i = hx - 0x6147A;
  w = z * z;
  j = 0x6B851 - hx;
  t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  R = t2 + t1;
  if (i > 0) {
    hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * ln2_hi - ((s * (f - R) - dk * ln2_lo) - f);
}

/* JavaScript's ToUint32(x) (`x >>> 0`), as a double. */
static double to_uint32(double x) {
  if (x >= 0.0 && x < 4294967296.0) return (double)(uint32_t)x; /* truncation toward zero */
  if (!isfinite(x)) return 0.0;
  double r = fmod(trunc(x), 4294967296.0);
  return r < 0.0 ? r + 4294967296.0 : r;
}

/* JavaScript's ToInt32(x) (`x | 0`), as a double. */
static double to_int32(double x) {
  if (x > -2147483649.0 && x < 2147483648.0) return (double)(int32_t)x; /* truncation toward zero */
  double u = to_uint32(x);
  return u >= 2147483648.0 ? u - 4294967296.0 : u;
}

/* seedrandom's Mash: one hash state `n` over successive strings (UTF-16 code units). */
static double mash(double *state, const uint16_t *data, size_t length) {
  double n = *state;
  for (size_t i = 0; i < length; i++) {
    n += data[i];
    double h = 0.02519603282416938 * n;
    n = to_uint32(h);
    h -= n;
    h *= n;
    n = to_uint32(h);
    h -= n;
    n += h * 4294967296.0; /* 2^32 */
  }
  *state = n;
  return to_uint32(n) * 2.3283064365386963e-10; /* 2^-32 */
}

/* seedrandom's Alea generator. */
typedef struct {
  double s0, s1, s2, c;
} alea;

static void alea_seed(alea *g, const uint16_t *seed, size_t length) {
  static const uint16_t space[1] = {' '};
  double n = 0xefc8249d;
  g->c = 1;
  g->s0 = mash(&n, space, 1);
  g->s1 = mash(&n, space, 1);
  g->s2 = mash(&n, space, 1);
  g->s0 -= mash(&n, seed, length);
  if (g->s0 < 0) g->s0 += 1;
  g->s1 -= mash(&n, seed, length);
  if (g->s1 < 0) g->s1 += 1;
  g->s2 -= mash(&n, seed, length);
  if (g->s2 < 0) g->s2 += 1;
}

/* Uniform in [0, 1): t = 2091639·s0 + c·2^-32, c = t | 0, the new s2 = t − c. */
static inline double alea_next(alea *g) {
  double t = 2091639 * g->s0 + g->c * 2.3283064365386963e-10; /* 2^-32 */
  g->s0 = g->s1;
  g->s1 = g->s2;
  g->c = to_int32(t);
  g->s2 = t - g->c;
  return g->s2;
}

/*
 * The same step, faster. s0 lies in [0, 1) and c in [0, 2091639], so p = 2091639·s0 ≥ 0 and
 * t = p + c·2^-32 lies in [p, p + 2^-11): t | 0 = trunc(t) is trunc(p) or, rarely, trunc(p) + 1.
 * Guessing the first (a branch, predicted) takes c out of the loop-carried dependency chain
 * c → t → c, which bounds the plain step at about 20 cycles; the value is the same.
 */
static inline double alea_next_fast(alea *g) {
  double p = 2091639 * g->s0;
  double c = (double)(int32_t)p; /* trunc(p): 0 ≤ p < 2^31 */
  double t = p + g->c * 2.3283064365386963e-10; /* 2^-32 */
  if (__builtin_expect(t >= c + 1, 0)) {
    __asm__ volatile(""); /* keeps this a branch: a branch-free select would put c back on the chain */
    c += 1;
  }
  g->s0 = g->s1;
  g->s1 = g->s2;
  g->c = c;
  g->s2 = t - c;
  return g->s2;
}

/*
 * MPRandGauss.nextValue, one value at a time, exactly as tfjs does it: a pair's second value is kept
 * unless it is NaN (then the next call draws a new pair). For any mean and stdDev.
 */
static void random_normal_plain(alea *g, float *out, size_t n, double mean, double std_dev) {
  double next_val = NAN; /* MPRandGauss.nextVal */
  for (size_t i = 0; i < n; i++) {
    if (!isnan(next_val)) {
      out[i] = (float)next_val;
      next_val = NAN;
      continue;
    }
    double v1, v2, s;
    do {
      v1 = 2 * alea_next(g) - 1;
      v2 = 2 * alea_next(g) - 1;
      s = v1 * v1 + v2 * v2;
    } while (s >= 1 || s == 0);
    double mul = sqrt(-2.0 * vk_js_log(s) / s);
    double x = mean + std_dev * v1 * mul;
    next_val = mean + std_dev * v2 * mul;
    out[i] = (float)x;
  }
}

/* Pairs drawn per block of the fast path. */
#define PAIRS_PER_BLOCK 1024

/*
 * The same values for a finite mean and stdDev, where no value is NaN (|v| < 1 and mul is finite,
 * so stdDev·v·mul is finite or ±∞, and mean + it is not NaN): every pair gives two values in turn.
 * A block of pairs is drawn first, then transformed. The draw keeps the polar method's rejection
 * but without a branch (a rejected pair is overwritten by the next), as the branch is mispredicted
 * about one time in five; the transform's logarithms, divisions and square roots then overlap
 * instead of waiting on the uniform stream. Uniforms are taken in the same order as tfjs takes them.
 */
static void random_normal_pairs(alea *g, float *out, size_t n, double mean, double std_dev) {
  double v1s[PAIRS_PER_BLOCK], v2s[PAIRS_PER_BLOCK], ss[PAIRS_PER_BLOCK];
  size_t i = 0;
  while (i < n) {
    size_t pairs = (n - i + 1) / 2;
    if (pairs > PAIRS_PER_BLOCK) pairs = PAIRS_PER_BLOCK;
    size_t m = 0; /* pairs accepted so far */
    while (m < pairs) {
      /* Exactly as many tries as pairs still wanted: m stays below `pairs`, and no uniform is taken early. */
      for (size_t k = pairs - m; k > 0; k--) {
        double v1 = 2 * alea_next_fast(g) - 1;
        double v2 = 2 * alea_next_fast(g) - 1;
        double s = v1 * v1 + v2 * v2;
        v1s[m] = v1;
        v2s[m] = v2;
        ss[m] = s;
        m += (s < 1) & (s != 0); /* tfjs: while (s >= 1 || s === 0) draw again */
      }
    }
    for (size_t k = 0; k < pairs; k++, i += 2) {
      double mul = sqrt(-2.0 * vk_js_log(ss[k]) / ss[k]);
      out[i] = (float)(mean + std_dev * v1s[k] * mul);
      if (i + 1 < n) out[i + 1] = (float)(mean + std_dev * v2s[k] * mul);
    }
  }
}

void vk_random_normal(float *out, size_t n, double mean, double std_dev, const uint16_t *seed, size_t seed_length) {
  alea g;
  alea_seed(&g, seed, seed_length);
  if (isfinite(mean) && isfinite(std_dev)) {
    random_normal_pairs(&g, out, n, mean, std_dev);
  } else {
    random_normal_plain(&g, out, n, mean, std_dev);
  }
}
