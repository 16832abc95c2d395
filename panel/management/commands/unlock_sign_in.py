import getpass

from axes.models import AccessAttempt
from django.core.management.base import BaseCommand, CommandError

from panel.lockout import unlock_sign_in


class Command(BaseCommand):
    help = (
        "Clear a username's failed sign-ins (all addresses, or one with --address), ending "
        "its lockout. Recorded on the audit trail as 'unlocked', naming the operating-system "
        "user who ran it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="the username as it was typed at sign-in")
        parser.add_argument("--address", help="only the failures from this client address")

    def handle(self, *args, username: str, address: str | None, **options) -> None:
        attempts = AccessAttempt.objects.filter(username=username)
        if address:
            attempts = attempts.filter(ip_address=address)
        if not attempts.exists():
            where = f" from {address}" if address else ""
            raise CommandError(f"No failed sign-ins for {username!r}{where}: nothing to unlock.")
        cleared = unlock_sign_in(
            actor=None,
            username=username,
            address=address,
            via=f"manage.py unlock_sign_in (run by {_os_user()})",
        )
        self.stdout.write(f"Unlocked {username!r}: cleared {cleared} failed sign-in record(s).")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in a bare container: still recorded, as unknown
        return "unknown"
