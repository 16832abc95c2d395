"""A person's own account: their password and their API tokens (Your account, /account/).

Every write is audited in its own transaction with the change. A token's key is never
stored, logged or audited: knox keeps a SHA-512 digest and the first characters
(``token_key``) to tell keys apart, and the key is handed back once, to show once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.models import AuditEvent
from audit.services import record
from panel.models import ApiToken, User


def api_tokens_of(user: User):
    """The user's own tokens, newest first: the only tokens anyone is shown."""
    return ApiToken.objects.filter(user=user).order_by("-created", "-id")


def create_api_token(actor: User, *, name: str, days: int) -> tuple[ApiToken, str]:
    """Make an API token for the actor themself (nobody makes one for someone else), valid
    for ``days`` days (1 to API_TOKEN_MAX_DAYS). Records ``created`` with the name and the
    expiry, never the key. Returns the token and its key, which is not kept anywhere."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Enter a name for the token"
    elif len(name) > 100:
        errors["name"] = "The name must be 100 characters or fewer"
    maximum = settings.API_TOKEN_MAX_DAYS
    if not isinstance(days, int) or not 1 <= days <= maximum:
        errors["days"] = f"The number of days must be between 1 and {maximum}"
    if errors:
        raise ValidationError(errors)
    if not actor.is_active:
        raise PermissionDenied("This account is not active.")
    with transaction.atomic():
        token, key = ApiToken.objects.create(user=actor, expiry=dt.timedelta(days=days), name=name)
        record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            obj=token,
            changes={
                "name": name,
                "prefix": token.token_key,
                "expiry": token.expiry,
                "user": actor.pk,
            },
        )
    return token, key


def revoke_api_token(actor: User, *, token: ApiToken) -> None:
    """Revoke one of the actor's own tokens: it is deleted, so knox refuses it at once.
    Records ``updated`` with ``{"revoked": true}``."""
    if token.user_id != actor.pk:
        raise PermissionDenied("You can only revoke your own API tokens.")
    with transaction.atomic():
        _revoke(actor, token, reason="revoked by its owner")


def revoke_all_api_tokens(actor: User, *, user: User, reason: str) -> int:
    """Revoke every API token of ``user`` (after their password changed): one ``updated``
    event per token with ``{"revoked": true, "reason": ...}``. Returns how many."""
    with transaction.atomic():
        tokens = list(ApiToken.objects.select_for_update().filter(user=user))
        for token in tokens:
            _revoke(actor, token, reason=reason)
    return len(tokens)


def _revoke(actor: User, token: ApiToken, *, reason: str) -> None:
    record(
        actor=actor,
        verb=AuditEvent.Verb.UPDATED,
        obj=token,
        changes={"revoked": True, "name": token.name, "user": token.user_id, "reason": reason},
    )
    token.delete()


def change_password(actor: User, *, new_password: str) -> int:
    """The actor changes their own password (already validated by the form). Records
    ``updated`` on the user with ``{"password": "changed"}`` (never the password) and
    revokes all their API tokens. Returns how many tokens were revoked. The caller keeps
    the current session with update_session_auth_hash; every other session ends because
    the session hash changes."""
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save(update_fields=["password"])
        return password_changed(actor, user=actor)


def password_changed(actor: User, *, user: User) -> int:
    """Record that ``user``'s password was changed by ``actor`` (themself on Your account,
    an administrator in the admin) and revoke all ``user``'s API tokens, in the caller's
    transaction. Returns how many tokens were revoked. Set by someone else, it is notified
    (``panel.services.notify_account_reset``)."""
    from panel.services import notify_account_reset

    with transaction.atomic():
        event = record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            obj=user,
            changes={"password": "changed" if user.has_usable_password() else "unusable"},
        )
        # Set by an administrator: the person, auditors and coordinators are told.
        notify_account_reset(by=actor, user=user, event=event)
        return revoke_all_api_tokens(actor, user=user, reason="password changed")
