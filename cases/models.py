"""Children, referrals, risk assessments, cases, actions and reviews.

Models hold fields, database constraints and small derived properties. Writes go through
``cases.services``; reads of case data go through each model's ``visible_to(user)``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cases import matching
from cases.access import (
    ActionQuerySet,
    CaseChildQuerySet,
    CaseQuerySet,
    ChildQuerySet,
    ReferralQuerySet,
    RiskAssessmentQuerySet,
)
from panel.dates import age_on, london_today
from panel.models import Agency, Area, LocalSupportTeam

User = settings.AUTH_USER_MODEL


def values(choices: type[models.TextChoices]) -> list[str]:
    return [value for value, _ in choices.choices]


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


RISK_ORDER = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


class YesNoUnknown(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


class ChildGender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "Other"
    NOT_KNOWN = "not_known", "Not known"


class Ethnicity(models.TextChoices):
    """The ONS 2021 Census ethnic group categories (England and Wales), grouped as the
    census groups them (``ETHNIC_GROUPS``), plus "not known" and "declined". The free text a
    referrer typed is kept beside the code (``Child.ethnicity``); reports count the code."""

    ASIAN_BANGLADESHI = "asian_bangladeshi", "Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Chinese"
    ASIAN_INDIAN = "asian_indian", "Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Pakistani"
    ASIAN_OTHER = "asian_other", "Any other Asian background"
    BLACK_AFRICAN = "black_african", "African"
    BLACK_CARIBBEAN = "black_caribbean", "Caribbean"
    BLACK_OTHER = "black_other", "Any other Black, Black British or Caribbean background"
    MIXED_WHITE_ASIAN = "mixed_white_asian", "White and Asian"
    MIXED_WHITE_BLACK_AFRICAN = "mixed_white_black_african", "White and Black African"
    MIXED_WHITE_BLACK_CARIBBEAN = "mixed_white_black_caribbean", "White and Black Caribbean"
    MIXED_OTHER = "mixed_other", "Any other Mixed or multiple ethnic background"
    WHITE_BRITISH = "white_british", "English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "white_irish", "Irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller", "Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "Roma"
    WHITE_OTHER = "white_other", "Any other White background"
    OTHER_ARAB = "other_arab", "Arab"
    OTHER_ANY = "other_any", "Any other ethnic group"
    DECLINED = "declined", "Declined to say"
    NOT_KNOWN = "not_known", "Not known"


# The census's five high-level groups, in its order, with the codes each holds; "not known"
# and "declined" stand apart (reports show them as their own rows, never folded in).
ETHNIC_GROUPS: dict[str, tuple[str, ...]] = {
    "Asian, Asian British or Asian Welsh": (
        "asian_bangladeshi",
        "asian_chinese",
        "asian_indian",
        "asian_pakistani",
        "asian_other",
    ),
    "Black, Black British, Black Welsh, Caribbean or African": (
        "black_african",
        "black_caribbean",
        "black_other",
    ),
    "Mixed or Multiple ethnic groups": (
        "mixed_white_asian",
        "mixed_white_black_african",
        "mixed_white_black_caribbean",
        "mixed_other",
    ),
    "White": (
        "white_british",
        "white_irish",
        "white_gypsy_traveller",
        "white_roma",
        "white_other",
    ),
    "Other ethnic group": ("other_arab", "other_any"),
}


def ethnic_group(code: str) -> str:
    """The census group a code belongs to, or the code's own label for "not known" and
    "declined"."""
    for group, codes in ETHNIC_GROUPS.items():
        if code in codes:
            return group
    return Ethnicity(code).label


def ethnicity_label(code: str) -> str:
    """A code as pages show it: "group: category" (``White: Irish``), or the label alone
    for "not known" and "declined"."""
    label = Ethnicity(code).label
    group = ethnic_group(code)
    return label if group == label else f"{group}: {label}"


class Child(models.Model):
    """A child (or, with a recorded reason, a young adult up to 25) who has been referred.

    Age is derived from the date of birth, never stored. Anyone under 18 is a child; the
    system never treats 16- and 17-year-olds as less at risk.
    """

    Gender = ChildGender
    Ethnicity = Ethnicity

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    known_as = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=20, choices=Gender.choices)
    # The ethnicity as it was described (free text, kept as entered) and its ONS 2021 code,
    # which is what reports count: "not known" until someone who may edit the child sets it.
    ethnicity = models.CharField("ethnicity as described", max_length=100, blank=True)
    ethnicity_code = models.CharField(
        "ethnic group", max_length=40, choices=Ethnicity.choices, default=Ethnicity.NOT_KNOWN
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="children")
    school_or_setting = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    # Folded names for duplicate detection (cases.matching); kept in step with the name
    # fields by save(). name_key is first and last folded together.
    name_key = models.CharField(max_length=210, editable=False, blank=True, db_index=True)
    first_name_key = models.CharField(max_length=100, editable=False, blank=True)
    last_name_key = models.CharField(max_length=100, editable=False, blank=True)
    known_as_key = models.CharField(max_length=100, editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "children"
        indexes = [
            models.Index(fields=["date_of_birth", "name_key"], name="child_dob_name"),
            # The API's child list, by name: read in order and stopped at the page.
            models.Index(fields=["last_name", "first_name", "id"], name="child_name"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(first_name=""), name="child_first_name_set"),
            models.CheckConstraint(condition=~Q(last_name=""), name="child_last_name_set"),
            models.CheckConstraint(
                condition=Q(gender__in=values(ChildGender)), name="child_gender_valid"
            ),
            models.CheckConstraint(
                condition=Q(ethnicity_code__in=values(Ethnicity)), name="child_ethnicity_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        self.set_name_keys()
        super().save(*args, **kwargs)

    def set_name_keys(self) -> None:
        self.first_name_key = matching.fold(self.first_name)
        self.last_name_key = matching.fold(self.last_name)
        self.name_key = self.first_name_key + self.last_name_key
        self.known_as_key = matching.fold(self.known_as)

    @property
    def full_name(self) -> str:
        name = f"{self.first_name} {self.last_name}"
        return f"{name} (known as {self.known_as})" if self.known_as else name

    @property
    def ethnic_group_label(self) -> str:
        return ethnicity_label(self.ethnicity_code)

    def details_not_known(self) -> list[str]:
        """The equality details still "not known" (what the partnership report counts as
        missing data), as the hint on the child's page names them. "Declined to say" is an
        answer, not a gap."""
        missing = []
        if self.gender == ChildGender.NOT_KNOWN:
            missing.append("gender")
        if self.ethnicity_code == Ethnicity.NOT_KNOWN:
            missing.append("ethnic group")
        return missing

    def age(self, on: dt.date | None = None) -> int:
        return age_on(self.date_of_birth, on or london_today())

    def age_flags(self, on: dt.date | None = None) -> list[str]:
        """Flags a panel must see at a glance. None of them lowers concern: 16-17 is shown
        because support and legal options change, never because risk is lower."""
        today = on or london_today()
        age = self.age(today)
        flags = []
        if age < 13:
            flags.append("Under 13")
        if 16 <= age < 18:
            flags.append("16-17")
        if age < 18:
            eighteenth = _birthday(self.date_of_birth, 18)
            if (eighteenth - today).days <= settings.TURNING_18_SOON_DAYS:
                flags.append("Turning 18 soon")
        else:
            flags.append("Young adult (18+)")
        return flags


def _birthday(born: dt.date, years: int) -> dt.date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a non-leap year: the birthday is 1 March
        return dt.date(born.year + years, 3, 1)


class RiskToolScoring(models.TextChoices):
    MATRIX = "matrix", "Risk Factor Matrix (banded indicators)"


class RiskTool(models.Model):
    """A risk tool defined as data: a versioned list of indicators in bands and a rule set.

    A new version is a new row; answers always point at the version that was used.
    """

    Scoring = RiskToolScoring

    slug = models.SlugField(max_length=50)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    scoring = models.CharField(max_length=20, choices=Scoring.choices)
    # Thresholds for the scoring rules, e.g. {"low_indicators_for_medium": 5}.
    rules = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    published_on = models.DateField(default=dt.date.today)

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="risktool_unique_version"),
            models.UniqueConstraint(
                fields=["slug"], condition=Q(is_active=True), name="risktool_one_active_version"
            ),
            models.CheckConstraint(
                condition=Q(scoring__in=values(RiskToolScoring)), name="risktool_scoring_valid"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="risktool_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class RiskIndicatorBand(models.TextChoices):
    VULNERABILITY = "vulnerability", "Vulnerability"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class RiskIndicator(models.Model):
    Band = RiskIndicatorBand

    tool = models.ForeignKey(RiskTool, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(max_length=60)
    band = models.CharField(max_length=20, choices=Band.choices)
    label = models.CharField(max_length=255)
    order = models.PositiveIntegerField()
    is_disclosure = models.BooleanField(
        default=False, help_text="A disclosure of sexual exploitation: always high risk."
    )
    minimum_level = models.CharField(
        max_length=10,
        choices=RiskLevel.choices,
        blank=True,
        help_text="When present, the computed level is never below this (e.g. learning "
        "disability: never low).",
    )

    class Meta:
        ordering = ["tool", "order"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "code"], name="indicator_unique_code"),
            models.UniqueConstraint(fields=["tool", "order"], name="indicator_unique_order"),
            models.CheckConstraint(
                condition=Q(band__in=values(RiskIndicatorBand)), name="indicator_band_valid"
            ),
            models.CheckConstraint(
                condition=Q(minimum_level__in=["", *values(RiskLevel)]),
                name="indicator_minimum_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class CaseReferenceCounter(models.Model):
    """The last case number issued in a year. Numbers only go up, so a reference is never
    reused, even if a case were ever removed."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class CaseStatus(models.TextChoices):
    AWAITING_PANEL = "awaiting_panel", "Awaiting panel"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


def _rank(field: str, ranked: list[str]) -> models.Case:
    """A column's values as their rank, 1 upwards in the order given (0 for anything
    else): for an order the words do not sort into, with an index on the rank."""
    return models.Case(
        *(
            models.When(**{field: str(value)}, then=models.Value(n))
            for n, value in enumerate(ranked, 1)
        ),
        default=models.Value(0),
        output_field=models.IntegerField(),
    )


# The case list's orders by meaning, not by spelling (cases.selectors.sort_cases): risk
# low < medium < high, status by the lifecycle. Indexed as they are (Case.Meta.indexes): a
# query must order by exactly these expressions for PostgreSQL to read the index.
CASE_RISK_RANK = _rank("risk_level", [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH])
CASE_STATUS_RANK = _rank("status", [CaseStatus.AWAITING_PANEL, CaseStatus.OPEN, CaseStatus.CLOSED])


class CaseClosureReason(models.TextChoices):
    RISK_REDUCED = "risk_reduced", "Risk reduced or removed"
    MOVED_OUT = "moved_out", "Moved out of area, with transfer"
    STEPPED_DOWN = "stepped_down", "Stepped down to early help"
    ADULT_SERVICES = "adult_services", "Turned 18 and handed to adult services"
    OTHER = "other", "Other"


class Case(models.Model):
    Status = CaseStatus

    ClosureReason = CaseClosureReason

    reference = models.CharField(max_length=20, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cases")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AWAITING_PANEL)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    lead_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="led_cases"
    )
    lead_professional = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="led_cases"
    )
    local_support_team = models.ForeignKey(
        LocalSupportTeam, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    lst_contact = models.CharField("LST contact", max_length=150, blank=True)
    involved_agencies = models.ManyToManyField(
        Agency, through="CaseAgency", related_name="involved_cases"
    )
    previous_case = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="re_referrals",
        help_text="The earlier case of the same child, when this one is a re-referral.",
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    closure_summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=values(CaseStatus)), name="case_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(risk_level__in=values(RiskLevel)), name="case_risk_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(closure_reason__in=["", *values(CaseClosureReason)]),
                name="case_closure_reason_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="closed", closed_at__isnull=False)
                    & ~Q(closure_reason="")
                    & ~Q(closure_summary="")
                )
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="case_closed_has_date_reason_summary",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")),
                name="case_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(reference__regex=r"^CSE-[0-9]{4}-[0-9]{4,}$"),
                name="case_reference_format",
            ),
            models.CheckConstraint(
                condition=Q(previous_case__isnull=True) | ~Q(previous_case=F("id")),
                name="case_not_its_own_previous",
            ),
        ]
        indexes = [
            models.Index(fields=["area", "status"], name="case_area_status"),
            # The case list's order, newest first: the whole list (auditors, agency leads)
            # and one area's (coordinators), read in order and stopped at the page's end.
            models.Index(fields=["-opened_at", "-id"], name="case_opened"),
            models.Index(fields=["area", "-opened_at", "-id"], name="case_area_opened"),
            # The partnership report: cases closed in a period (risk and closure reasons).
            models.Index(
                fields=["closed_at"], condition=Q(closed_at__isnull=False), name="case_closed"
            ),
            # The case list's orders by risk and by status (cases.selectors.sort_cases),
            # read in order either way and stopped at the page's end.
            models.Index(CASE_RISK_RANK, F("id"), name="case_risk_rank"),
            models.Index(CASE_STATUS_RANK, F("id"), name="case_status_rank"),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseAgency(models.Model):
    """An agency involved in a case. This row, and only this row, gives that agency's
    leads access to the case: removing it removes access at once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agency_links")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="case_links")
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "agency"], name="caseagency_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case} - {self.agency}"


class CaseTransition(models.Model):
    """A change of case status, with who, when and why: the chronology reads these."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Case.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Case.Status.choices)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True)
    at = models.DateTimeField()
    # The panel meeting that decided it; empty for an urgent decision between meetings.
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["case", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_status__in=values(Case.Status))
                & Q(from_status__in=["", *values(Case.Status)]),
                name="transition_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(from_status=F("to_status")), name="transition_changes_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.from_status or 'new'} -> {self.to_status}"


class ReferralStatus(models.TextChoices):
    SUBMITTED = "submitted", "Awaiting triage"
    ACCEPTED = "accepted", "Accepted to panel"
    STEPPED_DOWN = "stepped_down", "Stepped down to early help"
    REDIRECTED = "redirected", "Redirected"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class ReferralOutcomeRoute(models.TextChoices):
    EHA = "eha", "Early Help Assessment"
    LST = "lst", "Local Support Team"
    FRONT_DOOR = "front_door", "Front door (First Response / Safeguarding and Referral Team)"
    S47 = "s47", "Section 47 strategy discussion"


class ReferralLegalStatus(models.TextChoices):
    NONE = "none", "No statutory involvement"
    CHILD_IN_NEED = "child_in_need", "Child in need (s17)"
    CHILD_PROTECTION = "child_protection", "Child protection plan"
    LOOKED_AFTER_S20 = "looked_after_s20", "Looked after, voluntary (s20)"
    LOOKED_AFTER_S31 = "looked_after_s31", "Looked after, care order (s31)"
    CARE_LEAVER = "care_leaver", "Care leaver"
    OTHER = "other", "Other"
    NOT_KNOWN = "not_known", "Not known"


class Referral(models.Model):
    """A worried professional's referral of a child, and the panel's triage decision."""

    Status = ReferralStatus

    OutcomeRoute = ReferralOutcomeRoute

    LegalStatus = ReferralLegalStatus

    ROUTES_BY_STATUS = {
        "stepped_down": ["eha", "lst"],
        "redirected": ["front_door", "s47"],
    }

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="referrals")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="referrals")
    referrer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="referrals_made")
    # What the referrer's agency and role were when they referred: a record of fact.
    referrer_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="referrals_made"
    )
    referrer_role = models.CharField(max_length=150)
    referrer_contact = models.CharField(max_length=200)
    referred_at = models.DateTimeField()
    concerns = models.TextField()
    contact_in_person = models.BooleanField("in person", default=False)
    contact_mobile_phone = models.BooleanField("by mobile phone", default=False)
    contact_online = models.BooleanField("online", default=False)
    immediate_risk = models.BooleanField(default=False)
    police_contacted_at = models.DateTimeField(null=True, blank=True)
    police_contacted_by = models.CharField(max_length=150, blank=True)
    police_incident_number = models.CharField(max_length=50, blank=True)
    known_to_social_care = models.CharField(
        max_length=10, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    lead_social_worker = models.CharField(max_length=150, blank=True)
    child_aware = models.CharField(max_length=10, choices=YesNoUnknown.choices)
    child_agrees = models.CharField(max_length=10, choices=YesNoUnknown.choices)
    parents_aware = models.CharField(max_length=10, choices=YesNoUnknown.choices)
    parents_agree = models.CharField(max_length=10, choices=YesNoUnknown.choices)
    consent_notes = models.TextField(
        blank=True, help_text="Why the child or parents do not know or agree, if so."
    )
    legal_status = models.CharField(max_length=30, choices=LegalStatus.choices)
    young_adult_reason = models.TextField(
        blank=True, help_text="Why a young adult (18-25) is referred, e.g. learning disability."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    outcome_route = models.CharField(max_length=20, choices=OutcomeRoute.choices, blank=True)
    outcome_reason = models.TextField(blank=True)
    triaged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals_triaged"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    # The coordinator's check at triage that this child is not already known under
    # another record (set when they confirm a new child or link to an existing one).
    child_checked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    child_checked_at = models.DateTimeField(null=True, blank=True)
    # A token the form carries so that submitting it twice makes one referral.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # The same referrer's earlier referral of the same child (folded name and date of
    # birth) within a day, when they confirmed that this one is a different, new referral.
    repeat_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="repeats"
    )
    version = models.PositiveIntegerField(default=1)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=values(ReferralStatus)), name="referral_status_valid"
            ),
            models.CheckConstraint(condition=~Q(concerns=""), name="referral_concerns_set"),
            models.CheckConstraint(
                condition=Q(immediate_risk=False)
                | (
                    Q(police_contacted_at__isnull=False)
                    & ~Q(police_contacted_by="")
                    & ~Q(police_incident_number="")
                ),
                name="referral_immediate_risk_police_contacted",
            ),
            models.CheckConstraint(
                condition=Q(contact_in_person=True)
                | Q(contact_mobile_phone=True)
                | Q(contact_online=True),
                name="referral_contact_method_set",
            ),
            models.CheckConstraint(
                condition=Q(legal_status__in=values(ReferralLegalStatus)),
                name="referral_legal_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(known_to_social_care__in=values(YesNoUnknown))
                & Q(child_aware__in=values(YesNoUnknown))
                & Q(child_agrees__in=values(YesNoUnknown))
                & Q(parents_aware__in=values(YesNoUnknown))
                & Q(parents_agree__in=values(YesNoUnknown)),
                name="referral_yes_no_valid",
            ),
            models.CheckConstraint(
                condition=(Q(status="submitted", triaged_at__isnull=True, outcome_route=""))
                | (
                    ~Q(status="submitted")
                    & Q(triaged_at__isnull=False, triaged_by__isnull=False)
                    & ~Q(outcome_reason="")
                ),
                name="referral_triage_complete",
            ),
            models.CheckConstraint(
                condition=Q(status="accepted", case__isnull=False) | ~Q(status="accepted"),
                name="referral_accepted_has_case",
            ),
            models.CheckConstraint(
                condition=Q(outcome_route="")
                | Q(status="stepped_down", outcome_route__in=["eha", "lst"])
                | Q(status="redirected", outcome_route__in=["front_door", "s47"]),
                name="referral_outcome_route_matches",
            ),
            models.CheckConstraint(
                condition=Q(triaged_at__isnull=True) | Q(triaged_at__gte=F("referred_at")),
                name="referral_triaged_after_referred",
            ),
        ]
        indexes = [
            models.Index(fields=["area", "status"], name="referral_area_status"),
            # The triage queue: an area's referrals awaiting triage in the queue's order.
            models.Index(
                fields=["area", "-immediate_risk", "referred_at", "id"],
                condition=Q(status="submitted"),
                name="referral_triage_queue",
            ),
            # The API's referral list, newest first: read in order and stopped at the page.
            models.Index(fields=["-referred_at", "-id"], name="referral_referred"),
            # The partnership report: an area's referrals in a period, and the referrals
            # triaged in one (time to triage).
            models.Index(fields=["area", "referred_at"], name="referral_area_referred"),
            models.Index(
                fields=["triaged_at"],
                condition=Q(triaged_at__isnull=False),
                name="referral_triaged",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.get_status_display()})"

    @property
    def contact_methods(self) -> list[str]:
        methods = []
        for field in ("contact_in_person", "contact_mobile_phone", "contact_online"):
            if getattr(self, field):
                methods.append(str(self._meta.get_field(field).verbose_name))
        return methods


class RiskAssessment(models.Model):
    """One completed risk tool: the answers, the level the tool's rules computed and the
    final level (the computed one, or a professional override with its reason)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="assessments")
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    tool = models.ForeignKey(RiskTool, on_delete=models.PROTECT, related_name="assessments")
    assessed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assessments")
    assessed_at = models.DateTimeField()
    # Null when no risk indicator was answered: "not assessed", never "low". The final
    # level is null only then, and only without a professional override.
    computed_level = models.CharField(
        max_length=10, choices=RiskLevel.choices, null=True, blank=True
    )
    override_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    override_reason = models.TextField(blank=True)
    final_level = models.CharField(max_length=10, choices=RiskLevel.choices, null=True, blank=True)
    # The form's token: submitting it twice records one assessment.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = RiskAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assessed_at", "-id"]
        get_latest_by = "assessed_at"
        # A referral's latest assessment (the triage queue's risk level) in one index read.
        indexes = [
            models.Index(
                fields=["referral", "-assessed_at", "-id"], name="assessment_referral_latest"
            ),
            # The API's assessment list, newest first.
            models.Index(fields=["-assessed_at", "-id"], name="assessment_assessed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(referral__isnull=False) | Q(case__isnull=False),
                name="assessment_for_referral_or_case",
            ),
            models.CheckConstraint(
                condition=(Q(computed_level__isnull=True) | Q(computed_level__in=values(RiskLevel)))
                & (Q(final_level__isnull=True) | Q(final_level__in=values(RiskLevel)))
                & Q(override_level__in=["", *values(RiskLevel)]),
                name="assessment_levels_valid",
            ),
            # Spelled out with isnull: in SQL a comparison with NULL passes a CHECK.
            models.CheckConstraint(
                condition=Q(
                    override_level="", computed_level__isnull=True, final_level__isnull=True
                )
                | Q(
                    override_level="",
                    computed_level__isnull=False,
                    final_level__isnull=False,
                    final_level=F("computed_level"),
                )
                | (
                    ~Q(override_level="")
                    & Q(final_level__isnull=False, final_level=F("override_level"))
                    & ~Q(override_reason="")
                ),
                name="assessment_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        level = self.get_final_level_display() if self.final_level else "Not assessed"
        return f"{self.tool} on {self.assessed_at:%d %b %Y}: {level}"

    @property
    def is_override(self) -> bool:
        return bool(self.override_level)

    @property
    def assessed(self) -> bool:
        """A level was given: answers the rules could score, or a professional override."""
        return self.final_level is not None


class RiskAnswerAnswer(models.TextChoices):
    PRESENT = "present", "Present"
    NOT_PRESENT = "not_present", "Not present"
    UNKNOWN = "unknown", "Not known"


class RiskAnswerRecency(models.TextChoices):
    LAST_6_MONTHS = "0_6", "In the last 6 months"
    SIX_TO_12_MONTHS = "6_12", "6 to 12 months ago"
    OVER_12_MONTHS = "12_plus", "Over 12 months ago"


class RiskAnswer(models.Model):
    Answer = RiskAnswerAnswer

    Recency = RiskAnswerRecency

    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="answers")
    indicator = models.ForeignKey(RiskIndicator, on_delete=models.PROTECT, related_name="answers")
    answer = models.CharField(max_length=20, choices=Answer.choices)
    evidence = models.TextField(blank=True)
    recency = models.CharField(max_length=10, choices=Recency.choices, blank=True)

    class Meta:
        ordering = ["assessment", "indicator__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator"], name="answer_one_per_indicator"
            ),
            models.CheckConstraint(
                condition=Q(answer__in=values(RiskAnswerAnswer)), name="answer_value_valid"
            ),
            models.CheckConstraint(
                condition=Q(recency__in=["", *values(RiskAnswerRecency)]),
                name="answer_recency_valid",
            ),
            models.CheckConstraint(
                condition=~Q(answer="present") | ~Q(evidence=""),
                name="answer_present_has_evidence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.get_answer_display()}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ActionPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class ActionFourP(models.TextChoices):
    PREPARE = "prepare", "Prepare"
    PREVENT = "prevent", "Prevent"
    PROTECT = "protect", "Protect"
    PURSUE = "pursue", "Pursue"


class Action(models.Model):
    Status = ActionStatus

    Priority = ActionPriority

    FourP = ActionFourP

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField()
    owning_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="actions")
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_actions"
    )
    due_date = models.DateField()
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    four_p = models.CharField("4 Ps", max_length=10, choices=FourP.choices, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    completion_note = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The form's token: submitting it twice agrees one action.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=values(ActionStatus)), name="action_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=values(ActionPriority)), name="action_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(four_p__in=["", *values(ActionFourP)]), name="action_four_p_valid"
            ),
            models.CheckConstraint(condition=~Q(description=""), name="action_description_set"),
            models.CheckConstraint(
                condition=~Q(status="done")
                | (Q(completed_at__isnull=False) & ~Q(completion_note="")),
                name="action_done_has_note",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="action_cancelled_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="action_status_due"),
            # Open actions by due date (My work, overdue first): open or in progress in one
            # index, read in order.
            models.Index(
                fields=["due_date", "id"],
                condition=Q(status__in=["open", "in_progress"]),
                name="action_open_due",
            ),
            # The API's action list (any status), by due date.
            models.Index(fields=["due_date", "id"], name="action_due"),
            # A case's open actions: the case list's count of them (sorting by it asks it
            # of every listed case) and "has overdue actions", each from the index alone.
            models.Index(
                fields=["case", "due_date"],
                condition=Q(status__in=["open", "in_progress"]),
                name="action_open_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: action {self.pk}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Derived, never stored: an open action past its due date in Europe/London."""
        return self.status in self.OPEN_STATUSES and self.due_date < (today or london_today())


class ActionUpdate(models.Model):
    """One entry in an action's timeline: a progress note, a change of status, a
    re-assignment. Never edited: a later entry says what changed next."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    note = models.TextField(blank=True)
    status_from = models.CharField(max_length=20, choices=Action.Status.choices, blank=True)
    status_to = models.CharField(max_length=20, choices=Action.Status.choices, blank=True)
    # The action's version this entry produced: a form loaded at version N that comes back
    # stale is shown the entries above N, i.e. exactly what changed while it was open.
    action_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["action", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(note="") | ~Q(status_to=""), name="action_update_says_something"
            ),
            models.UniqueConstraint(
                fields=["action", "action_version"], name="action_update_one_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"Update to {self.action} at {self.created_at:%Y-%m-%d %H:%M}"


class ReviewStatus(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Review(models.Model):
    """A scheduled review of a case. An open case has exactly one upcoming review; the
    database refuses a second."""

    Status = ReviewStatus

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviews")
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UPCOMING)
    held_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    risk_level_after = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    next_due_date = models.DateField(null=True, blank=True)
    attending_agencies = models.ManyToManyField(Agency, blank=True, related_name="+")
    held_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # When the held review was recorded. It was held on a date (held_on), at no known time:
    # the chronology shows that date and this moment, never an invented time of day.
    recorded_at = models.DateTimeField(null=True, blank=True)
    # The panel meeting at which it was held; empty for a review held outside a meeting.
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["case", "due_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="upcoming"), name="review_one_upcoming"
            ),
            models.CheckConstraint(
                condition=Q(status__in=values(ReviewStatus)), name="review_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="held")
                | (
                    Q(held_on__isnull=False)
                    & ~Q(outcome="")
                    & Q(risk_level_after__in=values(RiskLevel))
                ),
                name="review_held_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(status="held") | Q(held_on__isnull=True),
                name="review_held_on_only_when_held",
            ),
            models.CheckConstraint(
                condition=Q(next_due_date__isnull=True)
                | Q(held_on__isnull=True)
                | Q(next_due_date__gt=F("held_on")),
                name="review_next_due_after_held",
            ),
        ]
        # The API's review list, by due date.
        indexes = [models.Index(fields=["due_date", "id"], name="review_due")]

    def __str__(self) -> str:
        return f"{self.case} review due {self.due_date:%d %b %Y}"

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.status == self.Status.UPCOMING and self.due_date < (today or london_today())


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    text = models.TextField()
    # The form's token: submitting it twice records one note.
    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = CaseChildQuerySet.as_manager()

    class Meta:
        ordering = ["case", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="note_text_set")]
        # The API's note list, newest first.
        indexes = [models.Index(fields=["-created_at", "-id"], name="note_created")]

    def __str__(self) -> str:
        return f"Note on {self.case} at {self.created_at:%Y-%m-%d %H:%M}"


class ChildMerge(models.Model):
    """A referral moved at triage from the record its form made (``from_child``) to a
    record of the same child already known (``into_child``). The other record is kept, so a
    link made by mistake can be undone: undoing moves the referral back and stamps
    ``undone_by``/``undone_at``. A child with a merge not undone is not offered as a
    duplicate."""

    from_child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="merges_out")
    into_child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="merges_in")
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="child_merges")
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    undone_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_child=F("into_child")), name="childmerge_two_children"
            ),
            models.CheckConstraint(
                condition=Q(undone_at__isnull=True, undone_by__isnull=True)
                | Q(undone_at__isnull=False, undone_by__isnull=False),
                name="childmerge_undone_by_and_at",
            ),
            # One live merge per referral: it is undone before the referral moves again.
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(undone_at__isnull=True),
                name="childmerge_one_live_per_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"Child {self.from_child_id} merged into {self.into_child_id}"


class CrossAreaCheck(models.Model):
    """A coordinator's check, at triage, for a strong match held by another area's panel.
    Counted per coordinator per day to rate-limit the signal (settings
    ``CROSS_AREA_MATCH_SIGNALS_PER_DAY``), so it cannot be used to probe whether a child is
    known elsewhere. One row per coordinator and referral: opening the page again is not a
    new check."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "referral"], name="crossareacheck_unique"),
        ]

    def __str__(self) -> str:
        return f"Check by {self.user_id} on referral {self.referral_id}"
