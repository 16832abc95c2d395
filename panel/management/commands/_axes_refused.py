"""django-axes' reset commands delete its records without a trace. In this project they
refuse and point to the audited ``unlock_sign_in``: panel is listed before axes in
INSTALLED_APPS, so these commands shadow axes' ones of the same names."""

from django.core.management.base import BaseCommand, CommandError


class RefusedAxesCommand(BaseCommand):
    help = "Refused: use 'manage.py unlock_sign_in USERNAME [--address ADDRESS]' (audited)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("args", nargs="*")
        parser.add_argument("--age", type=int)

    def handle(self, *args, **options) -> None:
        raise CommandError(
            "Sign-in lockouts are cleared with 'manage.py unlock_sign_in USERNAME "
            "[--address ADDRESS]', which records who cleared them on the audit trail."
        )
