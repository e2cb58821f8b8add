//! Deep active-learning baselines on the same protocol as the cutting-plane method.
