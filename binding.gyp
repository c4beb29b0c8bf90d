{
  "targets": [
    {
      "target_name": "vaekit_native",
      "sources": ["native/vaekit_native.c", "native/matmul.c", "native/mlp_step.c"],
      "cflags": ["-O3", "-std=c11", "-ffp-contract=off", "-fno-math-errno", "-fopenmp-simd", "-Wall"],
      "libraries": ["-ldl", "-lmvec", "-lpthread"]
    }
  ]
}
