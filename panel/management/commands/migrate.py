"""``migrate``, run as the database owner when there is one.

With ``DATABASE_OWNER_URL`` set, the application's own role (``DATABASE_URL``) may not
create or alter tables, so ``migrate`` defaults to the ``owner`` alias; ``--database``
still chooses. After migrating, the owner re-grants the application role's privileges
(``panel.db_roles.grant_after_migrate``). Without it, Django's ``migrate`` unchanged.
"""

from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate

from panel.db_roles import OWNER_DB_ALIAS


class Command(DjangoMigrate):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        if OWNER_DB_ALIAS in settings.DATABASES:
            parser.set_defaults(database=OWNER_DB_ALIAS)
