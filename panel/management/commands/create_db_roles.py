"""Create (or bring up to date) the two PostgreSQL roles of README "Database roles".

Run once by a database superuser, and again whenever in doubt: every step is idempotent.

    DATABASE_ADMIN_URL=postgres://postgres@db.example:5432/safeguard_panel \\
        python manage.py create_db_roles

The role names and passwords come from DATABASE_OWNER_URL (the owner) and DATABASE_URL (the
application), or from --owner / --app, with a password prompt when a name has no URL. The
admin URL names the database to set up. In one transaction it

1. creates the roles if missing and sets their attributes: LOGIN, never SUPERUSER,
   CREATEROLE, REPLICATION or BYPASSRLS; CREATEDB only for the owner with --createdb (test
   runs create their own database);
2. sets their passwords (sent as SCRAM verifiers computed by libpq, never in clear);
3. gives the owner the database, the schema and everything in it (a database first
   migrated by a superuser moves over); PUBLIC may no longer connect or create;
4. grants the application role its privileges (panel/db_roles.py ``grant_statements``).

``--print`` shows the SQL instead, without passwords and without connecting.
"""

from __future__ import annotations

import getpass
import os
import sys
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from panel import db_roles


def role_statements(name: str, *, kind: str, createdb: bool) -> list[str]:
    """The role exists, is never a superuser, and has exactly these attributes."""
    db_roles.check_role_name(name)
    literal = db_roles.quote_literal(name)
    refuse = db_roles.quote_literal(
        f"role {name} is a superuser; choose another name for the {kind} role"
    )
    attributes = "LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT "
    attributes += "CREATEDB" if createdb else "NOCREATEDB"
    return [
        f"""DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {literal} AND rolsuper) THEN
        RAISE EXCEPTION {refuse};
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {literal}) THEN
        EXECUTE format('CREATE ROLE %I', {literal});
    END IF;
END $$""",
        f"ALTER ROLE {db_roles.quote_ident(name)} WITH {attributes}",
    ]


def all_statements(*, owner: str, app: str, database: str, createdb: bool) -> list[str]:
    return [
        *role_statements(owner, kind="owner", createdb=createdb),
        *role_statements(app, kind="application", createdb=False),
        *db_roles.database_statements(owner=owner, app=app, database=database),
        *db_roles.ownership_statements(owner=owner, database=database),
        *db_roles.grant_statements(owner=owner, app=app),
    ]


class Command(BaseCommand):
    help = "Create the database owner and application roles (superuser; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin-url",
            default=os.environ.get("DATABASE_ADMIN_URL", ""),
            help="A superuser's URL to the app's database (default: $DATABASE_ADMIN_URL).",
        )
        parser.add_argument("--owner", help="Owner role (default: DATABASE_OWNER_URL's user).")
        parser.add_argument("--app", help="Application role (default: DATABASE_URL's user).")
        parser.add_argument(
            "--createdb",
            action="store_true",
            help="Let the owner create databases (CI and test runs create test_<name>).",
        )
        parser.add_argument(
            "--print", action="store_true", help="Print the SQL (no passwords); change nothing."
        )

    def handle(self, *args, **options):
        owner_url = settings.DATABASES.get(db_roles.OWNER_DB_ALIAS, {})
        app_url = settings.DATABASES["default"]
        owner = options["owner"] or owner_url.get("USER") or ""
        app = options["app"] or (app_url.get("USER") if owner_url else "") or ""
        if not owner or not app:
            raise CommandError(
                "Name both roles: set DATABASE_OWNER_URL and DATABASE_URL (their users), "
                "or pass --owner and --app."
            )
        try:
            db_roles.check_role_name(owner)
            db_roles.check_role_name(app)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if owner == app:
            raise CommandError("The owner and the application must be two different roles.")

        if options["print"]:
            database = _url_database(options["admin_url"]) or str(app_url.get("NAME") or "")
            statements = all_statements(
                owner=owner, app=app, database=database, createdb=options["createdb"]
            )
            self.stdout.write(f"-- create_db_roles: owner {owner}, application {app}")
            self.stdout.write("-- Passwords are not printed: set them with psql's \\password.")
            for statement in statements:
                self.stdout.write(statement + ";")
            return

        if not options["admin_url"]:
            raise CommandError(
                "Give a superuser's URL to the app's database: --admin-url or "
                "DATABASE_ADMIN_URL (or --print to see the SQL)."
            )
        passwords = {
            owner: self._password(owner, owner_url),
            app: self._password(app, app_url),
        }
        self._apply(options["admin_url"], owner, app, passwords, options["createdb"])

    def _password(self, role: str, configured: dict) -> str | None:
        if configured.get("USER") == role and configured.get("PASSWORD"):
            return configured["PASSWORD"]
        if sys.stdin.isatty():
            first = getpass.getpass(f"Password for role {role} (empty: leave as it is): ")
            if first and getpass.getpass("Again: ") != first:
                raise CommandError("The passwords do not match.")
            return first or None
        return None

    def _apply(self, admin_url: str, owner: str, app: str, passwords: dict, createdb: bool) -> None:
        import psycopg

        try:
            connection = psycopg.connect(admin_url)
        except psycopg.Error as error:
            raise CommandError(f"Cannot connect with the admin URL: {error}") from error
        with connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, current_database(), "
                "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
            )
            admin, database, is_superuser = cursor.fetchone()
            if not is_superuser:
                raise CommandError(f"{admin} is not a superuser: run this as one.")
            if admin in (owner, app):
                raise CommandError(f"{admin} runs this command; it cannot be the {owner}/{app}.")
            statements = all_statements(owner=owner, app=app, database=database, createdb=createdb)
            for statement in statements[:4]:  # the two roles
                cursor.execute(statement)
            for role, password in passwords.items():
                if password:
                    verifier = connection.pgconn.encrypt_password(
                        password.encode(), role.encode()
                    ).decode()
                    cursor.execute(
                        f"ALTER ROLE {db_roles.quote_ident(role)} "
                        f"PASSWORD {db_roles.quote_literal(verifier)}"
                    )
            for statement in statements[4:]:
                cursor.execute(statement)
        self.stdout.write(
            self.style.SUCCESS(
                f"Database {database}: owner role {owner} owns it and its schema; "
                f"application role {app} may read and write the app's tables and only read "
                "and append the audit trail. Now run `manage.py migrate` (as the owner)."
            )
        )


def _url_database(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/")) if url else ""
