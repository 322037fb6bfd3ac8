"""The migrations build exactly the models' schema, and go down and up with data present."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from campaign.extensions import db
from tests.conftest import make_app


def _app(databases, tmp_path):
    return make_app(tmp_path / "instance", databases.new())


def test_upgrade_from_empty_matches_the_models(databases, tmp_path):
    app = _app(databases, tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def _revisions(app) -> list[str]:
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_every_revision_goes_down_and_up_with_data_present(databases, tmp_path):
    from campaign.demo import riverton

    app = _app(databases, tmp_path)
    with app.app_context():
        upgrade()
        riverton.load(db.session)
        db.session.commit()
        before = db.session.scalar(sa.text("SELECT count(*) FROM signature"))
        assert before > 0
        revisions = _revisions(app)
        for revision in reversed(revisions):
            position = revisions.index(revision)
            previous = revisions[position - 1] if position else "base"
            db.session.remove()
            downgrade(revision=previous)
            upgrade(revision=revision)
        upgrade()  # the loop ends on the first revision; the demo needs the newest schema
        tables = set(sa.inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        # The schema works after the round trip: the demo loads again.
        result = riverton.load(db.session)
        db.session.commit()
        assert result.created or result.skipped
        db.session.remove()
        downgrade(revision="base")
        remaining = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def test_single_head(app):
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1
