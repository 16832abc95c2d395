from django.core.management.base import BaseCommand, CommandError

from audit.services import first_broken_event


class Command(BaseCommand):
    help = "Recompute the audit trail's hash chain and name the first event that does not match."

    def handle(self, *args, **options) -> None:
        broken, checked = first_broken_event()
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at event {broken.pk} ({broken.at:%Y-%m-%d %H:%M:%S} "
                f"{broken.verb} {broken.object_type} {broken.object_id}): its content or "
                f"link does not match. {checked - 1} events before it verified."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events verified."))
