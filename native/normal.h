/*
 * TensorFlow.js's seeded tf.randomNormal (float32, not truncated) in C, bit for bit
 * (native/normal.c): seedrandom's Alea generator and tfjs's MPRandGauss, with V8's Math.log.
 */
#ifndef VAEKIT_NORMAL_H
#define VAEKIT_NORMAL_H

#include <stddef.h>
#include <stdint.h>

/* Math.log as V8 computes it (src/base/ieee754.cc, a port of fdlibm's __ieee754_log). */
double vk_js_log(double x);

/*
 * out[i] = the i-th value of tf.randomNormal([n], mean, stdDev, 'float32', seed) for i < n, where
 * `seed` holds the UTF-16 code units of String(seed) (`seed_length` of them). The caller handles a
 * falsy seed, which tfjs replaces by Math.random().
 */
void vk_random_normal(float *out, size_t n, double mean, double std_dev, const uint16_t *seed, size_t seed_length);

#endif
