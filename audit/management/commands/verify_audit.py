from django.core.management.base import BaseCommand, CommandError

from audit.sealing import seal
from audit.verification import verify_trail


class Command(BaseCommand):
    help = (
        "Verify the audit trail: every event's hash, the legacy chain, every checkpoint's "
        "HMAC, events left unsealed too long, and the anchor file. Exit code 1 if broken."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--seal-first",
            action="store_true",
            help="Seal what has committed before verifying (as beat's sealer would).",
        )

    def handle(self, *args, **options) -> None:
        if options["seal_first"]:
            seal()
        report = verify_trail()
        if report.problem is not None:
            raise CommandError(
                f"Audit trail broken ({report.problem.kind}): {report.problem.message} "
                f"{report.events} events checked before it."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit trail intact: {report.events} events and {report.checkpoints} "
                "checkpoints verified."
            )
        )
