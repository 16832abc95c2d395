"""The panel's own domain: areas, agencies, Local Support Teams, people and their roles."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS


class Area(models.Model):
    """A local authority area a panel covers, with the numbers a worried professional calls.

    Data, not code: the numbers are shown on forms and pages from these rows and an
    administrator can change them without a deploy.
    """

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    front_door_name = models.CharField(
        "front-door service", max_length=150, help_text="For example First Response."
    )
    front_door_phone = models.CharField("front-door phone", max_length=30)
    police_non_emergency = models.CharField(max_length=30, default="101")
    emergency = models.CharField(max_length=30, default="999")
    police_team = models.CharField(
        max_length=200,
        default="Police Child Exploitation Team (via 101; tag the incident for that team)",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="area_name_not_blank"),
            models.CheckConstraint(
                condition=~Q(front_door_phone=""), name="area_front_door_phone_not_blank"
            ),
            models.CheckConstraint(condition=~Q(emergency=""), name="area_emergency_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police"
    SOCIAL_CARE = "social_care", "Children's social care"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    VOLUNTARY = "voluntary", "Voluntary sector"
    HOUSING = "housing", "Housing"
    OTHER = "other", "Other"


class Agency(models.Model):
    Kind = AgencyKind

    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    areas = models.ManyToManyField(Area, related_name="agencies")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k for k, _ in AgencyKind.choices]), name="agency_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="agency_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class LocalSupportTeam(models.Model):
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="local_support_teams")
    district = models.CharField(max_length=100)
    name = models.CharField(max_length=150)
    contact_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["area__name", "district", "name"]
        verbose_name = "Local Support Team"
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="lst_unique_name_per_area"),
            models.CheckConstraint(condition=~Q(name=""), name="lst_name_not_blank"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.district})"


def reads_case_data(prefix: str = "") -> Q:
    """The accounts that may read case or referral data at all, as a filter on a model
    reaching User by ``prefix`` (``""`` on User, ``"user__"`` on RoleAssignment,
    ``"owner__"`` on Action): active, neither staff nor superuser. Every query that picks
    people by role or for case work (who to notify, who may be named lead professional or
    owner) uses it, as ``User.role_rows`` and ``cases/access.py`` do for the signed-in user.
    """
    return Q(
        **{f"{prefix}is_active": True, f"{prefix}is_staff": False, f"{prefix}is_superuser": False}
    )


class User(AbstractUser):
    """A person who signs in. Belongs to one agency; what they may do comes from roles.

    Access is always computed from the current agency and role rows, so moving someone to
    another agency changes what they see at once.
    """

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    job_title = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def holds_roles(self) -> bool:
        """Whether this account's role rows count. Staff and superusers configure the panel
        and never read case or referral data: a role row on such an account, however it
        got there, gives nothing (the admin refuses to make one, see panel/services.py)."""
        return not (self.is_staff or self.is_superuser)

    @cached_property
    def role_rows(self) -> list[RoleAssignment]:
        return list(self.role_assignments.all()) if self.holds_roles else []

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    @cached_property
    def coordinator_area_ids(self) -> frozenset[int]:
        return frozenset(r.area_id for r in self.role_rows if r.role == Role.COORDINATOR)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def is_coordinator(self) -> bool:
        return Role.COORDINATOR in self.roles

    @property
    def is_agency_lead(self) -> bool:
        return Role.AGENCY_LEAD in self.roles

    @property
    def is_referrer(self) -> bool:
        return Role.REFERRER in self.roles

    @property
    def is_auditor(self) -> bool:
        return Role.AUDITOR in self.roles

    def role_labels(self) -> list[str]:
        labels = []
        for row in self.role_rows:
            label = Role(row.role).label
            labels.append(f"{label}, {row.area.name}" if row.area_id else label)
        return sorted(labels)


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Panel coordinator"
    AGENCY_LEAD = "agency_lead", "Agency lead"
    REFERRER = "referrer", "Referrer"
    AUDITOR = "auditor", "Auditor"


class RoleAssignment(models.Model):
    """One role a user holds. Coordinators hold it per area; other roles have no area."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=20, choices=Role.choices)
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="role_assignments"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r for r, _ in Role.choices]), name="role_valid"
            ),
            models.CheckConstraint(
                condition=(Q(role=Role.COORDINATOR, area__isnull=False))
                | (~Q(role=Role.COORDINATOR) & Q(area__isnull=True)),
                name="role_area_only_for_coordinators",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "area"],
                condition=Q(area__isnull=False),
                name="role_unique_per_area",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(area__isnull=True),
                name="role_unique_without_area",
            ),
        ]

    def __str__(self) -> str:
        label = Role(self.role).label
        return f"{self.user}: {label}" + (f" ({self.area})" if self.area_id else "")


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the scheduled heartbeat: proof that beat and a worker
    are both alive, shown on /healthz."""

    name = models.CharField(max_length=50, primary_key=True)
    last_seen = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_seen:%Y-%m-%d %H:%M:%S}"


class ApiToken(AbstractAuthToken):
    """An API key its owner made under Your account > API tokens (django-rest-knox's token
    model, swapped in by KNOX_TOKEN_MODEL).

    Only knox's SHA-512 digest of the key and its first characters (``token_key``, shown to
    tell keys apart) are stored; the key itself is shown once, when made. ``expiry`` is
    always set: knox refuses the token after it. A number of its own as the primary key, so
    the audit trail and the revoke page name a token without its digest.
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["-created"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="api_token_name_not_blank"),
            models.CheckConstraint(condition=Q(expiry__isnull=False), name="api_token_expires"),
        ]

    def __str__(self) -> str:
        # Never the digest: this string may reach a log or the audit trail.
        return f"{self.name} ({self.token_key}…)"

    @property
    def expired(self) -> bool:
        return self.expiry is not None and self.expiry < timezone.now()
