{
  "targets": [
    # native/normal.c reproduces tf.randomNormal's JavaScript double arithmetic bit for bit: its own
    # target (gyp has no per-file flags), never with FMA contraction or -ffast-math.
    {
      "target_name": "vaekit_normal",
      "type": "static_library",
      "sources": ["native/normal.c"],
      "cflags": ["-O2", "-std=c11", "-fPIC", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno", "-Wall"]
    },
    {
      "target_name": "vaekit_native",
      "dependencies": ["vaekit_normal"],
      "sources": ["native/vaekit_native.c", "native/matmul.c", "native/mlp_step.c", "native/mlp_log_weights.c", "native/pool.c"],
      "cflags": ["-O3", "-std=c11", "-ffp-contract=off", "-fno-math-errno", "-fopenmp-simd", "-Wall"],
      "libraries": ["-ldl", "-lmvec", "-lpthread"]
    }
  ]
}
