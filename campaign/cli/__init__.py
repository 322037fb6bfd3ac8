"""Commands under `flask --app campaign ...`; they call the same services as the web.

The command modules are imported by `register`, not with this package: `packet` is also a
`flask.commands` entry point (pyproject.toml), which Flask imports before it loads the app,
so that `packet build` can start the rendering processes first (campaign/cli/packets.py).
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach every command group to the application."""
    from campaign.cli import organize, packets, record, schedule
    from campaign.cli.demo import demo_command
    from campaign.cli.deploy import check_deploy_command
    from campaign.cli.keys import keys_group
    from campaign.cli.serve import serve_command
    from campaign.cli.users import users_group
    from campaign.cli.worker import worker_command

    app.cli.add_command(demo_command)
    app.cli.add_command(check_deploy_command)
    app.cli.add_command(users_group)
    app.cli.add_command(worker_command)
    app.cli.add_command(keys_group)
    app.cli.add_command(serve_command)
    organize.register(app)
    packets.register(app)
    schedule.register(app)
    record.register(app)
