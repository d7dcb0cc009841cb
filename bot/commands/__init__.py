"""Subcommands of `zhibu`, one module each, loaded only when used (cold start stays fast)."""


def open_database():
    """(config, engine, sessionmaker) for ZHIBU_DATABASE_URL, the schema created if missing."""
    from bot.config import Config
    from bot.db import create_schema, make_engine, make_session_factory

    config = Config.from_env()
    engine = make_engine(config.database_url)
    create_schema(engine)
    return config, engine, make_session_factory(engine)
