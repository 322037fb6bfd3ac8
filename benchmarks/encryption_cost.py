"""What encryption at rest costs: prints figures, asserts nothing.

    .venv/bin/python benchmarks/encryption_cost.py [--values 100000]

The app's own KeyRing (campaign.crypto: MultiFernet with two keys, as after a rotation, and
HMAC-SHA256 keyed hashes) on realistic names and addresses:
- per signature: what the sign flow adds (encrypt name and email, hash the canonical email);
- per packet: decrypting every name of a 100,000-signature roster, which the packet service
  does while reading the database.
Compare with benchmarks/sign_load.py (milliseconds per POST) and benchmarks/packet.py (seconds
per build) run on the same machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.fernet import Fernet  # noqa: E402

from campaign.crypto import KeyRing, canonical_email  # noqa: E402


def _best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=100_000)
    options = parser.parse_args()
    ring = KeyRing(
        f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}", "bench-hash-key"
    )
    names = [f"Guadalupe Castillo-Villanueva {n}" for n in range(options.values)]
    emails = [f"guadalupe.castillo+{n}@example.org" for n in range(options.values)]

    sign_runs = 2_000

    def sign_once() -> None:
        for n in range(sign_runs):
            ring.encrypt(names[n])
            ring.encrypt(emails[n])
            ring.keyed_hash("email", canonical_email(emails[n]))

    per_sign_us = _best_of(5, sign_once) / sign_runs * 1e6

    tokens = [ring.encrypt(name) for name in names]
    decrypt_seconds = _best_of(3, lambda: [ring.decrypt(t) for t in tokens])
    plain_bytes = statistics.mean(len(n.encode()) for n in names)
    stored_bytes = statistics.mean(len(t) for t in tokens)

    print(
        f"encryption at rest (Fernet via MultiFernet, 2 keys; HMAC-SHA256), "
        f"{options.values:,} values"
    )
    print(f"per signature (encrypt name + email, hash email): {per_sign_us:.0f} µs")
    print(
        f"decrypt {options.values:,} roster names: {decrypt_seconds:.2f} s "
        f"({decrypt_seconds / options.values * 1e6:.1f} µs each)"
    )
    print(f"stored size of a name: {stored_bytes:.0f} bytes encrypted vs {plain_bytes:.0f} plain")


if __name__ == "__main__":
    main()
