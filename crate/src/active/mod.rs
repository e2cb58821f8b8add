//! Lab 1: active learning of two-layer ReLU networks by cutting planes on the convex reformulation
//! (Zhang, Zhang, Pilanci, ICML 2025, arXiv 2410.02145).
