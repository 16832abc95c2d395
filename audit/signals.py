"""Sign-ins, sign-outs and failed sign-ins go on the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import AuditEvent
from audit.services import record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    record(actor=user, verb=AuditEvent.Verb.LOGGED_IN, obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(actor=user, verb=AuditEvent.Verb.LOGGED_OUT, obj=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    record(
        actor=None,
        verb=AuditEvent.Verb.LOGIN_FAILED,
        object_type="panel.user",
        changes={"username": username},
    )
