//! Exact Euclidean projection onto a polyhedral cone `{u : A u >= 0}` and the proximal map of the
//! group norm restricted to it (used by the final solve).
