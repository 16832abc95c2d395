from django.core.management.base import BaseCommand, CommandError

from audit.sealing import seal
from audit.verification import verify_trail


class Command(BaseCommand):
    help = (
        "Verify the audit trail: every event's hash, the legacy chain, every checkpoint's "
        "HMAC, events left unsealed too long, and the anchor file. Exit code 1 if broken. "
        "By default incremental: from the last checkpoint a recorded run verified intact "
        "(a full run when there is none); --full reads the whole trail again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--seal-first",
            action="store_true",
            help="Seal what has committed before verifying (as beat's sealer would).",
        )

        parser.add_argument(
            "--full",
            action="store_true",
            help="Verify the whole trail from its first event, not only what came after the "
            "last verified checkpoint (finds an old event edited since it was verified).",
        )

    def handle(self, *args, **options) -> None:
        if options["seal_first"]:
            seal()
        report = verify_trail(incremental=not options["full"], record=True)
        if report.problem is not None:
            raise CommandError(
                f"Audit trail broken ({report.problem.kind}): {report.problem.message} "
                f"{report.events} events checked before it."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit trail intact: {report.events} events and {report.checkpoints} "
                f"checkpoints verified ({report.kind})."
            )
        )
