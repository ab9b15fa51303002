#!/usr/bin/env python3
"""Prints the ratio table of `cargo bench -p edgehooks-core --bench verify`.

Reads criterion's estimates from target/criterion/verify_standard and shows,
per body size, each contender's throughput and edgehooks' speed as a multiple
of the `standardwebhooks` crate and of a bare HMAC-SHA256 (the limit).
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion" / "verify_standard"
SIZES = [("256B", 256), ("1KiB", 1024), ("16KiB", 16384), ("256KiB", 262144), ("1MiB", 1048576)]
CONTENDERS = ["edgehooks", "standardwebhooks", "bare_hmac_sha256"]


def mean_ns(contender: str, size: str) -> float:
    path = ROOT / contender / size / "new" / "estimates.json"
    return json.loads(path.read_text())["mean"]["point_estimate"]


def main() -> int:
    if not ROOT.exists():
        print("no results: run `cargo bench -p edgehooks-core --bench verify` first", file=sys.stderr)
        return 1
    print("| body | edgehooks | standardwebhooks | bare HMAC | vs standardwebhooks | vs bare HMAC |")
    print("|---|---|---|---|---|---|")
    for label, size in SIZES:
        ns = {c: mean_ns(c, label) for c in CONTENDERS}
        gbps = {c: size / ns[c] for c in CONTENDERS}  # bytes per ns = GB/s
        print(
            f"| {label} | {gbps['edgehooks']:.2f} GB/s | {gbps['standardwebhooks']:.2f} GB/s "
            f"| {gbps['bare_hmac_sha256']:.2f} GB/s "
            f"| {ns['standardwebhooks'] / ns['edgehooks']:.1f}x "
            f"| {ns['bare_hmac_sha256'] / ns['edgehooks']:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
