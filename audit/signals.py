"""Sign-ins, sign-outs, failed sign-ins and lockouts go on the audit trail."""

from axes.signals import user_locked_out
from django.conf import settings
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


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """Axes locked a username out at one address (panel/lockout.py). Recorded when the lock
    begins; each attempt refused while it lasts is a ``login_failed`` of its own. The
    username is the one typed, whether or not such an account exists; no password."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures != settings.AXES_FAILURE_LIMIT:
        return
    record(
        actor=None,
        verb=AuditEvent.Verb.LOCKED_OUT,
        object_type="panel.user",
        changes={
            "username": str(username or "")[:150],
            "failures": failures,
            "cool_off_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )
