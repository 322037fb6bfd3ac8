"""Paper-import benchmark: a typed-up file of N rows through the real web flow. Prints figures,
asserts nothing.

    .venv/bin/python benchmarks/paper_import.py [--rows 10000] [--existing 100000]

An organizer's browser (the Flask test client, so no network) uploads a messy CSV (UTF-8 with a
BOM, CRLF, spaces, a third of the rows without email, a few invalid and duplicate rows) into a
campaign that already holds --existing signatures, opens the preview, and confirms; the
confirmation streams its progress page, which is read to the end. Times are wall-clock on a
fresh SQLite database in a temporary folder.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from campaign import create_app  # noqa: E402
from campaign.demo import riverton  # noqa: E402
from campaign.extensions import db  # noqa: E402
from campaign.models import Campaign, Signature, SignatureSource  # noqa: E402
from campaign.services import accounts  # noqa: E402


def messy_file(rows: int) -> bytes:
    lines = [" Nombre ; Código postal ;Correo; Visibilidad "]
    zips = [z for zs in riverton.DISTRICT_ZIPS.values() for z in zs]
    for n in range(rows):
        email = f"  paper.{n}@example.org " if n % 3 else ""
        zip_code = zips[n % len(zips)] if n % 97 else "1234"  # about 1% invalid ZIPs
        name = f" Persona  Número {n} " if n % 101 else "Persona Número 1"  # some repeats
        lines.append(f"{name};{zip_code};{email};{('público', 'paquete', 'contar', '')[n % 4]}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--existing",
        type=int,
        default=100_000,
        help="signatures already in the campaign (duplicates are checked against them)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="paper-bench-") as folder:
        app = create_app(
            {
                "INSTANCE_PATH": folder,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "HUEY_IMMEDIATE": True,
                "ENV_NAME": "development",
            }
        )
        with app.app_context():
            upgrade()
            riverton.load(db.session)
            db.session.commit()
            if args.existing:
                started = time.perf_counter()
                riverton.bulk(db.session, riverton.OPEN_SLUG, args.existing, 0, seed=1)
                db.session.commit()
                print(
                    f"setup: {args.existing:,} existing signatures in "
                    f"{time.perf_counter() - started:.1f} s"
                )
            accounts.create_user(
                db.session,
                "bench@example.org",
                "benchmark password",
                role="organizer",
                campaign_slug=riverton.OPEN_SLUG,
            )
            db.session.commit()
            campaign_id = db.session.scalar(
                sa.select(Campaign.id).where(Campaign.slug == riverton.OPEN_SLUG)
            )

        data = messy_file(args.rows)
        client = app.test_client()
        client.post("/login", data={"email": "bench@example.org", "password": "benchmark password"})
        base = f"/organize/c/{riverton.OPEN_SLUG}/paper"

        started = time.perf_counter()
        response = client.post(
            base,
            data={"file": (io.BytesIO(data), "sheets.csv"), "batch": "benchmark", "language": "es"},
            content_type="multipart/form-data",
        )
        upload_s = time.perf_counter() - started
        preview_url = response.headers["Location"]

        started = time.perf_counter()
        page = client.get(preview_url).get_data(as_text=True)
        preview_s = time.perf_counter() - started
        counts = dict(re.findall(r'data-count="(\w+)">([\d,]+)<', page))

        started = time.perf_counter()
        first_chunk_s = None
        steps = 0
        result = client.post(preview_url, data={"action": "confirm"})
        for chunk in result.response:
            if first_chunk_s is None:
                first_chunk_s = time.perf_counter() - started
            steps += chunk.count(b"progress-step") if isinstance(chunk, bytes) else 0
        result.close()
        confirm_s = time.perf_counter() - started

        with app.app_context():
            saved = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Signature)
                .where(
                    Signature.campaign_id == campaign_id,
                    Signature.batch == "benchmark",
                    Signature.source == SignatureSource.PAPER,
                )
            )

        total = upload_s + preview_s + confirm_s
        print(f"file: {args.rows:,} rows, {len(data) / 1024:.0f} KiB; preview counts: {counts}")
        print(f"upload (read + check): {upload_s:.2f} s")
        print(f"preview page (analyze every row): {preview_s:.2f} s")
        print(
            f"confirm (analyze again, bulk insert, recount, stream): {confirm_s:.2f} s; "
            f"first progress line after {first_chunk_s or 0:.2f} s; "
            f"{steps} progress lines"
        )
        print(f"saved: {saved:,} paper signatures")
        print(
            f"TOTAL upload + preview + confirm: {total:.2f} s for {args.rows:,} rows "
            f"({'under' if total < 10 else 'OVER'} the 10 s target)"
        )


if __name__ == "__main__":
    main()
