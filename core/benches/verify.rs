//! `standard` verification at 256 B to 1 MiB, side by side in one run with
//! the crates.io `standardwebhooks` crate and a bare `hmac` + `sha2` HMAC of
//! the same body (key setup included): the practical limit.
//!
//! Run `cargo bench -p edgehooks-core --bench verify`, then
//! `python3 scripts/bench-table.py` for the table of ratios.

use core::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use edgehooks_core::{Scheme, Webhook};
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderValue};
use sha2::Sha256;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SIZES: [usize; 5] = [256, 1024, 16 * 1024, 256 * 1024, 1024 * 1024];

fn label(size: usize) -> String {
    match size {
        s if s >= 1024 * 1024 => format!("{}MiB", s / (1024 * 1024)),
        s if s >= 1024 => format!("{}KiB", s / 1024),
        s => format!("{s}B"),
    }
}

fn verify_standard(c: &mut Criterion) {
    let ours = Webhook::new(Scheme::Standard, SECRET).expect("webhook");
    let theirs = standardwebhooks::Webhook::new(SECRET).expect("webhook");
    let key = <base64ct::Base64 as base64ct::Encoding>::decode_vec(&SECRET[6..]).expect("key");
    let mut group = c.benchmark_group("verify_standard");
    for size in SIZES {
        // A JSON-ish body of printable bytes (the reference crate needs UTF-8).
        let body: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
        // The reference crate reads the system clock, so sign with it now.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let signed = ours
            .sign("msg_p5jXN8AQM9LWM0D4loKWxJek", now, &body)
            .expect("sign");
        let mut map = HeaderMap::new();
        for (name, value) in signed.iter() {
            map.insert(name, HeaderValue::from_str(value).expect("value"));
        }
        assert!(ours.verify_at(&body, &signed, now).is_ok());
        assert!(theirs.verify(&body, &map).is_ok());

        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(
            BenchmarkId::new("edgehooks", label(size)),
            &body,
            |b, body| b.iter(|| ours.verify_at(black_box(body), black_box(&signed), now)),
        );
        group.bench_with_input(
            BenchmarkId::new("standardwebhooks", label(size)),
            &body,
            |b, body| b.iter(|| theirs.verify(black_box(body), black_box(&map))),
        );
        group.bench_with_input(
            BenchmarkId::new("bare_hmac_sha256", label(size)),
            &body,
            |b, body| {
                b.iter(|| {
                    let mut mac =
                        <Hmac<Sha256> as KeyInit>::new_from_slice(black_box(&key)).expect("key");
                    mac.update(black_box(body));
                    mac.finalize().into_bytes()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, verify_standard);
criterion_main!(benches);
