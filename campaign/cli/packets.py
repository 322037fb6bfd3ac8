"""`flask --app campaign packet build SLUG [--hearing ID] --out PATH`: build synchronously.

The `packet` group is also a `flask.commands` entry point (pyproject.toml): Flask finds it
before loading the app, and `build` starts the rendering processes' server (a second and a
half of imports, on the other core) before it loads the app (over a second here). So this
module imports no more than click at first; the app and the services come in `build`.
"""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo

# The service's GROUP_BY (campaign/services/packets.py), not imported here (see above);
# tests/packets/test_packet_builds.py checks that they agree.
GROUP_BY_CHOICES = ("position", "district")


@click.group("packet")
def packet_group() -> None:
    """Hearing packets."""


@packet_group.command("build")
@click.argument("slug")
@click.option(
    "--hearing",
    "hearing_id",
    type=int,
    default=None,
    help="Hearing (deadline) id; default: the next hearing.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the PDF.",
)
@click.option("--group-by", type=click.Choice(GROUP_BY_CHOICES), default="position")
@click.option(
    "--for-member",
    "decision_maker_id",
    type=int,
    default=None,
    help="Decision-maker id: their district's residents first.",
)
@click.option("--workers", type=int, default=2, show_default=True)
@click.option(
    "--untagged",
    is_flag=True,
    help="Write the untagged packet (no PDF/UA or PDF/A), as PACKET_TAGGED=False does.",
)
@click.option("--two-sided", is_flag=True, help="Start every testimony on a right-hand page.")
@click.option(
    "--volume-mb",
    type=click.IntRange(1, 100),
    default=None,
    help="Also write volumes of at most this many MB (default: no volumes).",
)
@click.pass_context
def build(ctx: click.Context, workers: int, **options) -> None:
    """Build a packet now, with a progress bar, and copy it to --out."""
    from campaign.pdf import processes
    from campaign.pdf.collection import fewer_collections

    if workers > 0:
        processes.start_in_background()
    # The build's garbage-collection thresholds already while the app and its libraries load.
    with fewer_collections():
        if current_app:
            _build(workers=workers, **options)
        else:  # found as an entry point: the app is not loaded yet, the process is ours
            app = ctx.ensure_object(ScriptInfo).load_app()
            # What is loaded now lives as long as the process: out of the collector's full
            # passes (as in the job worker), which then scan only the build's own objects.
            gc.freeze()
            with app.app_context():
                _build(workers=workers, **options)


def _build(
    slug, hearing_id, out_path, group_by, decision_maker_id, workers, untagged, two_sided, volume_mb
) -> None:
    import sqlalchemy as sa

    from campaign.extensions import db
    from campaign.models import Campaign
    from campaign.services import DomainError
    from campaign.services import packets as packet_service

    if untagged:
        current_app.config["PACKET_TAGGED"] = False
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise click.ClickException(f"no campaign {slug!r}")
    try:
        packet = packet_service.request_build(
            db.session,
            campaign,
            None,
            hearing_id=hearing_id,
            group_by=group_by,
            decision_maker_id=decision_maker_id,
            two_sided=two_sided,
            volume_mb=volume_mb,
            in_background=False,  # built here, below
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    with click.progressbar(length=100, label="Building packet") as bar:
        done = [0]

        def advance(stage: str, percent: int) -> None:
            bar.label = f"{stage:<10}"
            if percent > done[0]:
                bar.update(percent - done[0])
                done[0] = percent

        try:
            packet = packet_service.run_build(packet.id, workers=workers, progress=advance)
        except Exception as error:
            raise click.ClickException(f"the packet could not be built: {error}") from error
        bar.update(100 - done[0])
    out_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(packet_service.file_path(packet), out_path)
    click.echo(
        f"Wrote {out_path}: {packet.pages} pages, {packet.size_bytes:,} bytes, "
        f"sha256 {packet.sha256}"
    )
    for number, volume in enumerate(packet.volumes or [], start=1):
        target = out_path.with_name(f"{out_path.stem}-volume-{number}{out_path.suffix}")
        shutil.copyfile(packet_service.packets_folder() / Path(volume["file_name"]).name, target)
        click.echo(
            f"Wrote {target}: pages {volume['first_page']} to {volume['last_page']}, "
            f"{volume['size_bytes']:,} bytes"
        )


def register(app: Flask) -> None:
    """Attach the packet commands to the application."""
    app.cli.add_command(packet_group)
