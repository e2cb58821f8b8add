//! Criterion benchmarks of the standard kernel suite (see `convexlab::bench`), with GFLOP/s.

use convexlab::bench::{SUITE, Workload};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;

fn kernels(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernels");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    for (kernel, n) in SUITE {
        let mut w = Workload::new(kernel, n, 1).expect("suite sizes are valid");
        // Criterion reports "elements" per second; one element = one flop, so Gelem/s = GFLOP/s.
        group.throughput(Throughput::Elements(w.flops() as u64));
        group.bench_function(format!("{}/{}", kernel.name(), n), |b| b.iter(|| w.run()));
    }
    group.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
