"""Granting and removing roles: the one way a role row is written.

A role decides what case and referral data a person reads, so a grant is a privileged
change with three guards, all here, whatever calls it (today the admin's user page):

- nobody changes their own roles: an administrator cannot give themself a way in;
- staff and superusers hold no roles (they configure the panel, they never read cases):
  a staff account cannot be given one, and ``panel/admin.py`` refuses making a role
  holder staff. ``User.role_rows`` and ``cases/access.py`` ignore a role row on a staff
  account anyway, however it got there;
- every grant and removal is recorded in the audit trail in the same transaction, and a
  grant of a role that reads case data (coordinator, agency lead, auditor) is notified to
  the coordinators of the areas it opens and to every auditor. The notification names
  no one: it says a role giving access to case data was granted and links to the audit
  event, where an auditor sees who, what, where and by whom.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import record
from notifications.models import NotificationKind
from notifications.services import notify
from panel.models import Area, Role, RoleAssignment, User, reads_case_data

# Roles that read case data (a referrer reads only the referrals they made).
CASE_DATA_ROLES = frozenset({Role.COORDINATOR, Role.AGENCY_LEAD, Role.AUDITOR})

OWN_ROLES_MESSAGE = "You cannot change your own roles. Ask another administrator."
STAFF_WITH_ROLE_MESSAGE = (
    "Staff and superuser accounts cannot hold roles: roles give access to case and "
    "referral data, and administrators must not read it. Use a separate account without "
    "staff status for case work."
)


def _require_may_manage_roles(actor: User, user: User, permission: str) -> None:
    if not (actor.is_active and actor.is_staff and actor.has_perm(permission)):
        raise PermissionDenied("Only an administrator may change roles.")
    if actor.pk == user.pk:
        raise PermissionDenied(OWN_ROLES_MESSAGE)


def _details(assignment: RoleAssignment) -> dict[str, object]:
    return {
        "user": assignment.user_id,
        "role": assignment.role,
        "area": assignment.area.name if assignment.area_id else "",
    }


def grant_role(*, actor: User, user: User, role: str, area: Area | None = None) -> RoleAssignment:
    """Give ``user`` a role (a coordinator's with its area). Called by an administrator
    (active staff with the add-role permission), never on their own account, never for a
    staff or superuser account. Records ``created`` on the role assignment naming the
    person, role and area; a role that reads case data is notified (see the module)."""
    _require_may_manage_roles(actor, user, "panel.add_roleassignment")
    if user.is_staff or user.is_superuser:
        raise ValidationError(STAFF_WITH_ROLE_MESSAGE)
    assignment = RoleAssignment(user=user, role=role, area=area)
    assignment.full_clean()
    with transaction.atomic():
        assignment.save()
        event = record(
            actor=actor,
            verb=AuditEvent.Verb.CREATED,
            obj=assignment,
            changes=_details(assignment),
        )
        if role in CASE_DATA_ROLES:
            _notify_grant(assignment, event)
    return assignment


def revoke_role(*, actor: User, user: User, role: str, area: Area | None = None) -> None:
    """Take a role away from ``user``. Called by an administrator (active staff with the
    delete-role permission), never on their own account. Records ``updated`` on the role
    assignment, naming the person, role and area, with ``deleted``."""
    _require_may_manage_roles(actor, user, "panel.delete_roleassignment")
    with transaction.atomic():
        assignment = (
            # Only the assignment row is locked: PostgreSQL refuses FOR UPDATE on the
            # nullable side of the area's outer join.
            RoleAssignment.objects.select_for_update(of=("self",))
            .select_related("area")
            .filter(user=user, role=role, area=area)
            .first()
        )
        if assignment is None:
            raise ValidationError("This person does not hold that role.")
        record(
            actor=actor,
            verb=AuditEvent.Verb.UPDATED,
            obj=assignment,
            changes={**_details(assignment), "deleted": True},
        )
        assignment.delete()


def grant_recipients(assignment: RoleAssignment) -> list[User]:
    """Who hears of a grant: every auditor, and the coordinators of the areas the role
    opens (a coordinator's area; every area an agency lead's agency serves; every area for
    an auditor, who reads them all, so a new auditor is never seen only by the others).
    Never the person granted, never a staff account."""
    return list(_watchers(assignment.user, [assignment]).exclude(pk=assignment.user_id))


def _opened_area_ids(user: User, assignments: list[RoleAssignment]) -> list[int] | None:
    """The areas these roles open to ``user``: None for every area (an auditor)."""
    area_ids: set[int] = set()
    for assignment in assignments:
        if assignment.role == Role.AUDITOR:
            return None
        if assignment.role == Role.COORDINATOR:
            area_ids.add(assignment.area_id)
        elif assignment.role == Role.AGENCY_LEAD and user.agency_id:
            area_ids.update(user.agency.areas.values_list("pk", flat=True))
    return sorted(area_ids)


def _watchers(user: User, assignments: list[RoleAssignment]):
    """Every auditor, and the coordinators of the areas ``assignments`` open to ``user``
    (all coordinators when one of them is an auditor's): accounts that read case data."""
    area_ids = _opened_area_ids(user, assignments)
    coordinators = Q(role_assignments__role=Role.COORDINATOR)
    if area_ids is not None:
        coordinators &= Q(role_assignments__area_id__in=area_ids)
    auditors = Q(role_assignments__role=Role.AUDITOR)
    return (
        User.objects.filter(coordinators | auditors)
        .filter(reads_case_data())
        .distinct()
        .order_by("pk")
    )


def notify_account_reset(*, by: User, user: User, event: AuditEvent) -> None:
    """An administrator (``by``) set ``user``'s password or reset their two-factor sign-in
    (audited by the caller as ``event``: this writes notifications only). Together the two
    are a way into the account, so the person is told (a link to their account), and so
    are every auditor and the coordinators of the areas the person's roles open (a link to
    the audit event). Not
    when people change their own. Names no one. Call inside the change's transaction."""
    if by.pk == user.pk:
        return
    notify(
        recipients=[user],
        kind=NotificationKind.ACCOUNT_RESET,
        link=reverse("account"),
        about=f"account-reset:{event.pk}",
    )
    watchers = _watchers(user, list(RoleAssignment.objects.filter(user=user)))
    notify(
        recipients=watchers.exclude(pk__in=[user.pk, by.pk]),
        kind=NotificationKind.ACCOUNT_RESET,
        link=f"{reverse('audit:search')}?event={event.pk}",
        about=f"account-reset:{event.pk}",
    )


def _notify_grant(assignment: RoleAssignment, event: AuditEvent) -> None:
    notify(
        recipients=grant_recipients(assignment),
        kind=NotificationKind.ROLE_GRANTED,
        link=f"{reverse('audit:search')}?event={event.pk}",
        about=f"role-grant:{event.pk}",
    )
