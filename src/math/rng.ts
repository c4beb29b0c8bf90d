/**
 * Seeded randomness. vaekit never calls Math.random: every random draw comes from a stream
 * derived from (seed, purpose, indices), so results do not depend on batch size, on where a
 * run was resumed, or on the order in which streams are used.
 *
 * Uniform numbers come from seedrandom's Alea generator (the one tfjs uses for its own
 * seeded ops); tensor draws pass `rng.nextSeed()` to tf.randomNormal / tf.randomUniform.
 */
import seedrandom from 'seedrandom';

/** A deterministic stream of uniform numbers in [0, 1). */
export class Rng {
  private readonly prng: seedrandom.PRNG;

  /** @param key - any string; equal keys give equal streams. Use {@link deriveRng} to build keys. */
  constructor(readonly key: string) {
    this.prng = seedrandom.alea(key);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /**
   * An integer seed in [1, 2³¹) for tfjs's seeded random ops. Never 0: tfjs treats a falsy seed
   * as "no seed" and draws from Math.random.
   */
  nextSeed(): number {
    return this.prng.int32() >>> 1 || 1;
  }

  /** Standard normal draw (Box–Muller). */
  nextNormal(): number {
    let u = 0;
    while (u === 0) u = this.prng();
    const v = this.prng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher–Yates shuffle of `a`; returns `a`. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

/**
 * The stream for one purpose: `deriveRng(seed, 'shuffle', epoch)` is the same stream every time
 * it is asked for, whatever else the program did before.
 */
export function deriveRng(seed: number, purpose: string, ...indices: number[]): Rng {
  return new Rng(['vaekit', seed, purpose, ...indices].join(':'));
}

/** A tfjs op seed (never 0) for one purpose of a user seed: `tfSeed(seed, 'sample')`. */
export function tfSeed(seed: number, purpose: string, ...indices: number[]): number {
  return deriveRng(seed, purpose, ...indices).nextSeed();
}
