"""Database: Tortoise configuration, start-up and migrations."""

from db.setup import apply_migrations, close_db, init_db, tortoise_config

__all__ = ["apply_migrations", "close_db", "init_db", "tortoise_config"]
