//! The three-layer construction (Theorem 4.2 of Zhang, Zhang, Pilanci 2025).
