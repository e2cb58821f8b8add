//! Criterion benchmarks of the standard suite (see `convexlab::bench`): dense kernels with GFLOP/s,
//! and lab workloads (one full lab-1 spiral run) timed per run.

use convexlab::bench::{SUITE, Workload};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::time::Duration;

fn suite(c: &mut Criterion) {
    for (kernel, n) in SUITE {
        let mut w = Workload::new(kernel, n, 1).expect("suite sizes are valid");
        // Criterion reports "elements" per second; one element = one flop, so Gelem/s = GFLOP/s.
        // Lab workloads have no flop count and get a group of their own, timed per run.
        let group_name = if w.flops().is_some() {
            "kernels"
        } else {
            "labs"
        };
        let mut group = c.benchmark_group(group_name);
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(2));
        if let Some(flops) = w.flops() {
            group.throughput(Throughput::Elements(flops as u64));
        }
        group.bench_function(format!("{}/{}", kernel.name(), n), |b| b.iter(|| w.run()));
        group.finish();
    }
}

criterion_group!(benches, suite);
criterion_main!(benches);
