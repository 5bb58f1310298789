import Sentry

// Placeholder until the benchmark suite lands.
print("sentry-bench: no benchmarks yet")
