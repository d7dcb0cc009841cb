"""`alembic upgrade head` on an empty database builds exactly bot/models.py's schema (every backend)."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.commands.db_cmd import alembic_config
from bot.db import make_engine
from bot.models import Base


def _drop_everything(engine) -> None:
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_upgrade_head_matches_models(db_url):
    engine = make_engine(db_url)
    _drop_everything(engine)
    try:
        cfg = alembic_config(db_url)
        cfg.attributes["configure_logging"] = False
        command.upgrade(cfg, "head")
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        def ours(obj, name, type_, reflected, compare_to) -> bool:
            """Tables other tests or libraries made in the shared database (APScheduler's jobs …) are not ours."""
            table = obj if type_ == "table" else getattr(obj, "table", None)
            return table is None or table.name in Base.metadata.tables

        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": False, "include_object": ours})
            diff = compare_metadata(ctx, Base.metadata)
        assert diff == []
        command.downgrade(cfg, "base")
        assert not set(inspect(engine).get_table_names()) & set(Base.metadata.tables)
    finally:
        _drop_everything(engine)
        engine.dispose()
