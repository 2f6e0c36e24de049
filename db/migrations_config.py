"""Config for Tortoise's own CLI: `python -m tortoise -c db.migrations_config.TORTOISE_ORM ...`.

Only the CLI imports this module; the application builds its config from Settings.
"""

import os

from db.setup import tortoise_config

TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", "sqlite://:memory:"))
