"""``migrate``, run as the database owner when there is one.

With ``DATABASE_OWNER_URL`` set, the application's own role (``DATABASE_URL``) may not
create or alter tables, so ``migrate`` defaults to the ``owner`` alias; ``--database``
still chooses. After migrating, the owner re-grants the application role's privileges
(``panel.db_roles.grant_after_migrate``). Without it, Django's ``migrate`` unchanged.

While migrating as the owner, the default alias is the owner's connection too: a data
migration that forgets ``.using(schema_editor.connection.alias)`` then writes in the
migration's own transaction, instead of waiting forever, as the application role, on the
locks that transaction holds.
"""

from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections

from panel.db_roles import OWNER_DB_ALIAS


class Command(DjangoMigrate):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        if OWNER_DB_ALIAS in settings.DATABASES:
            parser.set_defaults(database=OWNER_DB_ALIAS)

    def handle(self, *args, **options):
        if options["database"] != OWNER_DB_ALIAS or OWNER_DB_ALIAS not in settings.DATABASES:
            return super().handle(*args, **options)
        default = connections[DEFAULT_DB_ALIAS]
        connections[DEFAULT_DB_ALIAS] = connections[OWNER_DB_ALIAS]
        try:
            return super().handle(*args, **options)
        finally:
            connections[DEFAULT_DB_ALIAS] = default
