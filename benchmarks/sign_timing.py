"""Does the sign page's answer time tell whether an address had signed? Prints figures.

    .venv/bin/python benchmarks/sign_timing.py [--rounds 400]

Through the app in-process (the test client, form POSTs, a fresh SQLite database, mail
queued and written to the outbox as in development), interleaving four kinds of signature so
the machine's slow and fast phases fall on all of them alike:
- new: an address never seen;
- pending again: an address that signed and has not confirmed (the link is mailed again);
- verified again: an address whose signature is counted ("you already signed" is mailed);
- paper again: a paper signer's address (no email stored), signing online.
For each it prints the median and the 10th/90th percentiles of the POST's time, and the
difference of medians against "new" with a bootstrap 95 % interval. Network jitter (a
resident's phone) is several milliseconds; a difference far below it cannot be read remotely.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

KINDS = ("new", "pending again", "verified again", "paper again")


def make_app(folder: Path):
    from flask_migrate import upgrade

    from campaign import create_app

    app = create_app(
        {
            "INSTANCE_PATH": folder,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "ENV_NAME": "development",
            "HUEY_IMMEDIATE": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
        }
    )
    with app.app_context():
        upgrade()
    return app


def seed(app, rounds: int) -> dict[str, list[str]]:
    """Addresses for each kind: the repeat kinds signed before the measurement starts."""
    from campaign.extensions import db
    from campaign.models import SignatureStatus
    from tests.factories import make_campaign, make_signature

    with app.app_context():
        campaign = make_campaign(slug="timing")
        addresses = {
            kind: [f"{kind.split()[0]}{n}@timing.example" for n in range(rounds)] for kind in KINDS
        }
        for email in addresses["pending again"]:
            make_signature(campaign, email=email, status=SignatureStatus.PENDING)
        for email in addresses["verified again"]:
            make_signature(campaign, email=email, status=SignatureStatus.VERIFIED)
        for email in addresses["paper again"]:
            paper = make_signature(campaign, email=email, status=SignatureStatus.VERIFIED)
            paper.email = None
        db.session.commit()
    return addresses


def measure(app, addresses: dict[str, list[str]], rounds: int) -> dict[str, list[float]]:
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    order = [(kind, n) for n in range(rounds) for kind in KINDS]
    random.Random(5).shuffle(order)
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for kind, n in order:
        form = {
            "name": f"Resident {n}",
            "email": addresses[kind][n],
            "zip": "11111",
            "visibility": "packet",
        }
        started = time.perf_counter()
        response = client.post("/c/timing/sign", data=form)
        times[kind].append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return times


def median_difference(a: list[float], b: list[float], rng: random.Random) -> tuple[float, ...]:
    """Median of b minus median of a, with a bootstrap 95 % interval, in milliseconds."""
    samples = sorted(
        statistics.median(rng.choices(b, k=len(b))) - statistics.median(rng.choices(a, k=len(a)))
        for _ in range(2000)
    )
    return (
        (statistics.median(b) - statistics.median(a)) * 1e3,
        samples[50] * 1e3,
        samples[1949] * 1e3,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder))
        addresses = seed(app, options.rounds + 20)
        measure(app, {k: v[options.rounds :] for k, v in addresses.items()}, 20)  # warm up
        times = measure(app, addresses, options.rounds)
    rng = random.Random(11)
    print(f"sign POST, in-process, {options.rounds} of each kind, interleaved (ms)")
    for kind in KINDS:
        cut = statistics.quantiles(times[kind], n=10)
        line = (
            f"  {kind:15} median {statistics.median(times[kind]) * 1e3:6.2f}"
            f"  p10 {cut[0] * 1e3:6.2f}  p90 {cut[-1] * 1e3:6.2f}"
        )
        if kind != "new":
            diff, low, high = median_difference(times["new"], times[kind], rng)
            line += f"  vs new {diff:+.2f} (95 % {low:+.2f} .. {high:+.2f})"
        print(line)


if __name__ == "__main__":
    main()
