from alembic import context

from services.intake.app import DEFINITION
from shared.migrations import run_env

run_env(context, DEFINITION.metadata)
