//! Comparison harness of persona-edge (tests and benchmarks only).
