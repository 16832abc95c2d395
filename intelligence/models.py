"""Intelligence: persons of concern, locations and vehicles, the links between them and the
children of the panel's cases, disruption activity against them, and children's missing
episodes.

Persons of concern are criminal offence data (UK GDPR Art. 10): each carries a review date
and a retention date. Every record and link is graded on the national 3x5x2 model; an item
with handling code C carries its conditions and is seen only by the agency it came from
and the area's coordinators (``intelligence/access.py``). Missing episodes are case data,
scoped with the case."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models import Case, Referral
from intelligence import access, keys
from panel.models import Agency, Area, User


def values(choices: type[models.TextChoices]) -> list[str]:
    return [value for value, _ in choices.choices]


# --- grading ---------------------------------------------------------------------------


class SourceEvaluation(models.TextChoices):
    A = "A", "A: reliable"
    B = "B", "B: untested"
    C = "C", "C: not reliable"


class IntelligenceAssessment(models.TextChoices):
    KNOWN = "1", "1: known to be true without reservation"
    KNOWN_TO_SOURCE = "2", "2: known personally to the source, not to the officer"
    NOT_KNOWN = "3", "3: not personally known to the source, corroborated"
    CANNOT_JUDGE = "4", "4: cannot be judged"
    SUSPECTED_FALSE = "5", "5: suspected to be false or malicious"


class HandlingCode(models.TextChoices):
    P = "P", "P: lawful sharing permitted"
    C = "C", "C: lawful sharing permitted with conditions"


class Graded(models.Model):
    """The 3x5x2 grading of one item of intelligence, and where it came from.

    ``source_agency`` is the originating agency: with handling code C only its people (and
    the area's coordinators) see the item, on the conditions in ``handling_conditions``."""

    source_evaluation = models.CharField(max_length=1, choices=SourceEvaluation.choices)
    intelligence_assessment = models.CharField(max_length=1, choices=IntelligenceAssessment.choices)
    handling_code = models.CharField(
        max_length=1, choices=HandlingCode.choices, default=HandlingCode.P
    )
    handling_conditions = models.TextField(blank=True)
    source_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    @property
    def grading(self) -> str:
        """As it is written on the item: 'B3P'."""
        return f"{self.source_evaluation}{self.intelligence_assessment}{self.handling_code}"


def grading_constraints(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(source_evaluation__in=values(SourceEvaluation)),
            name=f"{prefix}_source_evaluation_valid",
        ),
        models.CheckConstraint(
            condition=Q(intelligence_assessment__in=values(IntelligenceAssessment)),
            name=f"{prefix}_assessment_valid",
        ),
        models.CheckConstraint(
            condition=Q(handling_code=HandlingCode.P)
            | (Q(handling_code=HandlingCode.C) & ~Q(handling_conditions="")),
            name=f"{prefix}_conditions_with_code_c",
        ),
    ]


# --- who may see intelligence -----------------------------------------------------------


class IntelligenceGrant(models.Model):
    """An agency whose agency leads see the intelligence of an area (besides the area's
    coordinators). Rows are data: police are granted by the seed and by the data migration
    that brought this table in, never by a rule on the agency's kind."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="intelligence_grants")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="intelligence_grants")
    granted_at = models.DateTimeField(auto_now_add=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["area__name", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "agency"], name="intelligence_grant_once")
        ]

    def __str__(self) -> str:
        return f"{self.agency} sees intelligence of {self.area}"


# --- the records ----------------------------------------------------------------------


class PersonStatus(models.TextChoices):
    SUSPECTED = "suspected", "Suspected"
    CHARGED = "charged", "Charged"
    CONVICTED = "convicted", "Convicted"
    NO_LONGER = "no_longer", "No longer of concern"


class IntelligenceRecord(Graded):
    """What persons, locations and vehicles share: an area, who recorded them, a merge
    target when found to be a duplicate, and a version for edits."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class PersonOfConcern(IntelligenceRecord):
    """An adult (or older young person) believed to pose a risk of exploitation to
    children. Criminal offence data: reviewed by ``review_date`` and kept no longer than
    ``retention_date``, which starts counting when they are no longer of concern."""

    Status = PersonStatus

    name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    approximate_age = models.PositiveSmallIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUSPECTED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    review_date = models.DateField()
    retention_date = models.DateField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    name_key = models.CharField(max_length=200, editable=False, blank=True, db_index=True)
    # Set when the retention sweep erased the person's details (intelligence/services/
    # retention.py): the row stays, named ERASED_NAME, so links and disruption keep their
    # history without saying who.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = access.IntelligenceQuerySet.as_manager()

    ERASED_NAME = "Erased person of concern"

    class Meta:
        verbose_name = "person of concern"
        verbose_name_plural = "persons of concern"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["area", "name_key"], name="person_area_name")]
        constraints = [
            *grading_constraints("person"),
            models.CheckConstraint(
                condition=Q(status__in=values(PersonStatus)), name="person_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=PersonStatus.NO_LONGER) | Q(retention_date__isnull=False),
                name="person_retention_when_no_longer",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | ~Q(merged_into=models.F("pk")),
                name="person_not_merged_into_self",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_key = keys.person_name_key(self.name)
        super().save(*args, **kwargs)

    @staticmethod
    def retention_from(day: dt.date) -> dt.date:
        """The retention date for a person no longer of concern from ``day``."""
        years = settings.INTELLIGENCE_RETENTION_YEARS
        try:
            return day.replace(year=day.year + years)
        except ValueError:  # 29 February
            return day.replace(year=day.year + years, day=28)


class IdentifierKind(models.TextChoices):
    ALIAS = "alias", "Alias or other name"
    PHONE = "phone", "Phone number"
    HANDLE = "handle", "Online handle"


class PersonIdentifier(models.Model):
    """An alias, phone number or online handle of a person, with the key it is matched on
    (``intelligence/keys.py``)."""

    Kind = IdentifierKind

    person = models.ForeignKey(
        PersonOfConcern, on_delete=models.CASCADE, related_name="identifiers"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=200)
    # For a handle: where (a platform's name); free text.
    platform = models.CharField(max_length=100, blank=True)
    key = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["kind", "value", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=values(IdentifierKind)), name="identifier_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(value=""), name="identifier_value_set"),
        ]

    def __str__(self) -> str:
        return self.value

    def save(self, *args, **kwargs) -> None:
        self.key = identifier_key(self.kind, self.value)
        super().save(*args, **kwargs)


def identifier_key(kind: str, value: str) -> str:
    if kind == IdentifierKind.PHONE:
        return keys.phone_key(value)
    if kind == IdentifierKind.HANDLE:
        return keys.handle_key(value)
    return keys.person_name_key(value)


class LocationKind(models.TextChoices):
    HOUSE = "house", "House or flat"
    HOTEL = "hotel", "Hotel or guest house"
    TAKEAWAY = "takeaway", "Takeaway or restaurant"
    PARK = "park", "Park or open space"
    SHOP = "shop", "Shop"
    TRANSPORT_HUB = "transport_hub", "Transport hub (station, bus station)"
    ONLINE = "online", "Online platform"
    OTHER = "other", "Other"


# A private address is never shown to someone who may not see the location itself: they
# are told its kind only (``intelligence/access.py``). Houses are private.
PRIVATE_LOCATION_KINDS = frozenset({LocationKind.HOUSE})


class Location(IntelligenceRecord):
    """A place children are taken to, found at or groomed in: a hotspot. An online
    platform is a location too (its name, no address)."""

    Kind = LocationKind

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    description = models.TextField(blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    name_key = models.CharField(max_length=200, editable=False, blank=True, db_index=True)
    postcode_key = models.CharField(max_length=10, editable=False, blank=True, db_index=True)

    objects = access.IntelligenceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            *grading_constraints("location"),
            models.CheckConstraint(
                condition=Q(kind__in=values(LocationKind)), name="location_kind_valid"
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (
                    Q(latitude__gte=-90, latitude__lte=90)
                    & Q(longitude__gte=-180, longitude__lte=180)
                ),
                name="location_coordinates_valid",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | ~Q(merged_into=models.F("pk")),
                name="location_not_merged_into_self",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_key = keys.person_name_key(self.name)
        self.postcode_key = keys.postcode_key(self.postcode)
        super().save(*args, **kwargs)

    @property
    def is_private(self) -> bool:
        return self.kind in PRIVATE_LOCATION_KINDS


class Vehicle(IntelligenceRecord):
    """A vehicle, by a registration that may be partial: an unknown character is '?', an
    unknown run '*' (``intelligence/keys.py``)."""

    registration = models.CharField(max_length=20)
    make = models.CharField(max_length=50, blank=True)
    model = models.CharField(max_length=50, blank=True)
    colour = models.CharField(max_length=30, blank=True)
    description = models.TextField(blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    registration_key = models.CharField(max_length=20, editable=False, db_index=True)
    partial = models.BooleanField(default=False, editable=False)

    objects = access.IntelligenceQuerySet.as_manager()

    class Meta:
        ordering = ["registration_key", "id"]
        constraints = [
            *grading_constraints("vehicle"),
            models.CheckConstraint(
                condition=~Q(registration_key=""), name="vehicle_registration_set"
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | ~Q(merged_into=models.F("pk")),
                name="vehicle_not_merged_into_self",
            ),
        ]

    def __str__(self) -> str:
        return self.registration_key

    def save(self, *args, **kwargs) -> None:
        self.registration_key = keys.registration_key(self.registration)
        self.partial = keys.is_partial(self.registration)
        super().save(*args, **kwargs)


# --- links ----------------------------------------------------------------------------


class LinkRelationship(models.TextChoices):
    SEEN_WITH = "seen_with", "Seen with"
    GAVE_GIFTS = "gave_gifts", "Gave gifts, money, alcohol or drugs"
    PICKED_UP_FROM = "picked_up_from", "Picked up from"
    TAKEN_TO = "taken_to", "Taken to"
    FOUND_AT = "found_at", "Found at"
    CONTACTED_ONLINE = "contacted_online", "Contacted online or by phone"
    LIVES_AT = "lives_at", "Lives at"
    WORKS_AT = "works_at", "Works at"
    DRIVES = "drives", "Drives"
    ASSOCIATE = "associate", "Associate of"
    OTHER = "other", "Other"


class Link(Graded):
    """A link between a child (through their case, or through a referral at triage, before
    a case exists) and a person, location or vehicle; or between two of those.

    Exactly one of the two shapes:
    - a child's link: ``case`` or ``referral`` (or both, once the referral is accepted) and
      exactly one of ``person``, ``location``, ``vehicle``;
    - a link between records: no child, and two of ``person``, ``other_person``,
      ``location``, ``vehicle`` (``other_person`` only beside ``person``).

    ``area`` is the area of the record the link is about (the person, or the location,
    or the vehicle): the intelligence scope reads it."""

    Relationship = LinkRelationship

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="intelligence_links"
    )
    referral = models.ForeignKey(
        Referral,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intelligence_links",
    )
    person = models.ForeignKey(
        PersonOfConcern, on_delete=models.PROTECT, null=True, blank=True, related_name="links"
    )
    other_person = models.ForeignKey(
        PersonOfConcern, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="links"
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="links"
    )
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    detail = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    # A link found to be wrong is ended, never deleted: the history stays.
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = access.LinkQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["case"], name="link_case"),
            models.Index(fields=["referral"], name="link_referral"),
            models.Index(fields=["person"], name="link_person"),
            models.Index(fields=["other_person"], name="link_other_person"),
            models.Index(fields=["location"], name="link_location"),
            models.Index(fields=["vehicle"], name="link_vehicle"),
            # The lists' order (the API's links list, newest first): an index scan to the
            # first page instead of sorting every link (57,000 at 100,000 cases).
            models.Index(fields=["-recorded_at", "-id"], name="link_recorded"),
        ]
        constraints = [
            *grading_constraints("link"),
            models.CheckConstraint(
                condition=Q(relationship__in=values(LinkRelationship)),
                name="link_relationship_valid",
            ),
            models.CheckConstraint(
                condition=(
                    (Q(case__isnull=False) | Q(referral__isnull=False))
                    & Q(other_person__isnull=True)
                    & (
                        Q(person__isnull=False, location__isnull=True, vehicle__isnull=True)
                        | Q(person__isnull=True, location__isnull=False, vehicle__isnull=True)
                        | Q(person__isnull=True, location__isnull=True, vehicle__isnull=False)
                    )
                )
                | (
                    Q(case__isnull=True, referral__isnull=True)
                    & (
                        Q(person__isnull=False, other_person__isnull=False)
                        & Q(location__isnull=True, vehicle__isnull=True)
                        | Q(person__isnull=False, other_person__isnull=True)
                        & (
                            Q(location__isnull=False, vehicle__isnull=True)
                            | Q(location__isnull=True, vehicle__isnull=False)
                        )
                        | Q(person__isnull=True, other_person__isnull=True)
                        & Q(location__isnull=False, vehicle__isnull=False)
                    )
                ),
                name="link_shape_valid",
            ),
            models.CheckConstraint(
                condition=Q(other_person__isnull=True) | ~Q(other_person=models.F("person")),
                name="link_person_not_to_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_relationship_display()} ({self.grading})"

    @property
    def is_child_link(self) -> bool:
        return self.case_id is not None or self.referral_id is not None

    @property
    def subject(self) -> PersonOfConcern | Location | Vehicle:
        """The record a child's link is about (or the first record of the other shape)."""
        return self.person or self.location or self.vehicle

    @property
    def is_live(self) -> bool:
        return self.ended_at is None


class Sighting(models.Model):
    """One time the link was seen: when, where (a location record or words), by whom."""

    link = models.ForeignKey(Link, on_delete=models.CASCADE, related_name="sightings")
    seen_at = models.DateTimeField()
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="sightings"
    )
    place = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = access.SightingQuerySet.as_manager()

    class Meta:
        ordering = ["-seen_at", "-id"]
        # The sightings list's order, as for links (40,000 at 100,000 cases).
        indexes = [models.Index(fields=["-seen_at", "-id"], name="sighting_seen")]

    def __str__(self) -> str:
        return f"Seen {self.seen_at:%d %b %Y %H:%M}"


# --- merging duplicates ---------------------------------------------------------------


class MergeKind(models.TextChoices):
    PERSON = "person", "Person of concern"
    LOCATION = "location", "Location"
    VEHICLE = "vehicle", "Vehicle"


class Merge(models.Model):
    """A coordinator found two records to be one: ``merged`` now points at ``kept``, and the
    links, identifiers and disruption that moved are listed in ``moved`` so the merge can be
    undone. Undoing is a new row (``reverses`` the merge it undoes): merges are never
    edited or deleted."""

    Kind = MergeKind

    kind = models.CharField(max_length=10, choices=Kind.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    kept_id = models.PositiveBigIntegerField()
    merged_id = models.PositiveBigIntegerField()
    # {"links": [ids], "identifiers": [ids], "disruptions": [ids], ...} moved to ``kept``.
    moved = models.JSONField(default=dict, blank=True)
    reason = models.TextField()
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    objects = access.MergeQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "merged_id"], name="merge_merged")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=values(MergeKind)), name="merge_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(kept_id=models.F("merged_id")), name="merge_two"),
            models.CheckConstraint(condition=~Q(reason=""), name="merge_reason_set"),
        ]

    def __str__(self) -> str:
        verb = "Unmerged" if self.reverses_id else "Merged"
        return f"{verb} {self.get_kind_display()} {self.merged_id} into {self.kept_id}"


# --- disruption -----------------------------------------------------------------------


class DisruptionKind(models.TextChoices):
    CAWN = "cawn", "Child Abduction Warning Notice"
    SRO_SHPO = "sro_shpo", "Sexual Risk Order or Sexual Harm Prevention Order"
    LICENSING = "licensing", "Licensing action (hotel, taxi, takeaway)"
    TRESPASS = "trespass", "Trespass notice"
    ARREST = "arrest", "Arrest"
    PATROL = "patrol", "Covert or overt patrol"
    OTHER = "other", "Other"


class Disruption(models.Model):
    """Disruption activity (Pursue and Prevent) against a person or at a location. Seen by
    who sees the person or location; ``area`` is theirs."""

    Kind = DisruptionKind

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        PersonOfConcern,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disruptions",
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="disruptions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    kind_detail = models.CharField(max_length=200, blank=True)
    date = models.DateField()
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    outcome = models.TextField(blank=True)
    review_date = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = access.DisruptionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["area", "date"], name="disruption_area_date"),
            models.Index(fields=["person"], name="disruption_person"),
            models.Index(fields=["location"], name="disruption_location"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=values(DisruptionKind)), name="disruption_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False, location__isnull=True)
                | Q(person__isnull=True, location__isnull=False),
                name="disruption_person_or_location",
            ),
            models.CheckConstraint(
                condition=~Q(kind=DisruptionKind.OTHER) | ~Q(kind_detail=""),
                name="disruption_other_described",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d %b %Y}"

    @property
    def subject(self) -> PersonOfConcern | Location:
        return self.person or self.location


# --- missing episodes (case data) ------------------------------------------------------


class ReturnInterview(models.TextChoices):
    NOT_YET = "not_yet", "Not yet offered"
    OFFERED = "offered", "Offered, not yet held"
    HELD = "held", "Held"
    DECLINED = "declined", "Offered and declined by the child"


# Statutory guidance: a return home interview within 72 hours of the child's return.
RETURN_INTERVIEW_HOURS = 72
# Three or more episodes in 90 days bring the case to the next panel.
REPEAT_EPISODES = 3
REPEAT_WINDOW_DAYS = 90


class MissingEpisode(models.Model):
    """A time a child on a case went missing: when reported, when found or returned and
    where, and the return home interview (offered and held within 72 hours, and by whom).
    Case data: seen by whoever sees the case."""

    Interview = ReturnInterview

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="missing_episodes")
    reported_missing_at = models.DateTimeField()
    returned_at = models.DateTimeField(null=True, blank=True)
    found_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Where found, in words, for someone who may not create or see locations.
    found_place = models.CharField(max_length=200, blank=True)
    interview = models.CharField(
        "return home interview", max_length=10, choices=Interview.choices, default=Interview.NOT_YET
    )
    interview_offered_at = models.DateTimeField(null=True, blank=True)
    interview_held_at = models.DateTimeField(null=True, blank=True)
    interview_by = models.CharField("interview held by", max_length=150, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = access.MissingEpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_missing_at", "-id"]
        indexes = [
            models.Index(fields=["case", "-reported_missing_at"], name="missing_case_reported"),
            models.Index(fields=["reported_missing_at"], name="missing_reported"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(interview__in=values(ReturnInterview)), name="missing_interview_valid"
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True)
                | Q(returned_at__gte=models.F("reported_missing_at")),
                name="missing_returned_after_reported",
            ),
            models.CheckConstraint(
                condition=~Q(interview=ReturnInterview.HELD)
                | Q(interview_held_at__isnull=False, returned_at__isnull=False),
                name="missing_held_interview_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"Missing {self.reported_missing_at:%d %b %Y %H:%M}"

    @property
    def interview_due_by(self) -> dt.datetime | None:
        if self.returned_at is None:
            return None
        return self.returned_at + dt.timedelta(hours=RETURN_INTERVIEW_HOURS)

    @property
    def interview_within_72_hours(self) -> bool | None:
        """Whether the interview was held within 72 hours of return; None while that cannot
        yet be said (not returned, or not held and the 72 hours not yet over)."""
        if self.returned_at is None:
            return None
        if self.interview_held_at is not None:
            return self.interview_held_at <= self.interview_due_by
        return None
