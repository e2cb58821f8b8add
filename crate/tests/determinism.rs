//! The seeded reference computation gives the committed digest natively; the wasm-bindgen tests
//! (`tests/wasm.rs`) and the browser tests check the same digest in both wasm builds.

use convexlab::determinism::reference_computation;
use convexlab::linalg::{matmul, par_matmul};
use convexlab::rng::Stream;

const EXPECTED: &str = include_str!("determinism-digest.txt");

#[test]
fn native_digest_matches_the_committed_one() {
    let d = reference_computation(42, 64, 48);
    assert_eq!(d.digest, EXPECTED.trim(), "{d:?}");
}

#[test]
fn another_seed_gives_another_digest() {
    assert_ne!(reference_computation(43, 64, 48).digest, EXPECTED.trim());
}

#[test]
fn thread_count_does_not_change_bits() {
    let mut s = Stream::new(9);
    let a = s.gaussian_matrix(65, 40);
    let b = s.gaussian_matrix(40, 33);
    let serial = matmul(&a, &b);
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let parallel = pool.install(|| par_matmul(&a, &b));
        assert_eq!(serial.as_slice(), parallel.as_slice(), "{threads} threads");
    }
}
