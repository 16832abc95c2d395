"""Django admin is for reference data and people only. Case data is not registered here:
it is read and changed through the scoped pages and services. Every change made here is
also written to the audit trail, in the admin's own transaction."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet, model_to_dict
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from audit.services import field_changes, record
from panel import mfa
from panel.accounts import password_changed
from panel.lockout import unlock_sign_in
from panel.models import Agency, Area, LocalSupportTeam, RoleAssignment, User
from panel.services import OWN_ROLES_MESSAGE, STAFF_WITH_ROLE_MESSAGE, grant_role, revoke_role

# django-otp registers its devices here, with each secret key and a QR code of it: an
# administrator must never read someone's second factor. Reset it from the user instead.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        before = model_to_dict(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        super().save_model(request, obj, form, change)
        after = model_to_dict(obj)
        after.pop("password", None)
        before.pop("password", None)
        record(
            actor=request.user,
            verb=AuditEvent.Verb.UPDATED if change else AuditEvent.Verb.CREATED,
            obj=obj,
            changes=field_changes(before, after, form.changed_data if change else None),
        )

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            record(
                actor=request.user,
                verb=AuditEvent.Verb.UPDATED,
                obj=form.instance,
                changes={"removed": [str(deleted)]},
            )
            deleted.delete()
        for instance in instances:
            instance.save()
            record(
                actor=request.user,
                verb=AuditEvent.Verb.UPDATED,
                obj=form.instance,
                changes={"added_or_changed": [str(instance)]},
            )
        formset.save_m2m()

    def deleted(self, obj) -> dict:
        """What the audit event of a deletion says (the row itself is gone after it)."""
        return {"deleted": True}

    def delete_model(self, request, obj):
        record(actor=request.user, verb=AuditEvent.Verb.UPDATED, obj=obj, changes=self.deleted(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        # "Delete selected": one audit event per row, as deleting one leaves, in one
        # transaction with the deletion (the changelist's action, unlike the delete page,
        # runs outside a transaction: a failed delete must not leave events behind).
        with transaction.atomic(using=queryset.db):
            for obj in queryset:
                record(
                    actor=request.user,
                    verb=AuditEvent.Verb.UPDATED,
                    obj=obj,
                    changes=self.deleted(obj),
                )
            super().delete_queryset(request, queryset)


@admin.register(Area)
class AreaAdmin(AuditedAdmin):
    list_display = ["name", "front_door_name", "front_door_phone", "police_non_emergency"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind", "areas"]
    search_fields = ["name"]
    filter_horizontal = ["areas"]


@admin.register(LocalSupportTeam)
class LocalSupportTeamAdmin(AuditedAdmin):
    list_display = ["name", "district", "area", "contact_name", "phone"]
    list_filter = ["area"]
    search_fields = ["name", "district"]


class RoleAssignmentFormSet(BaseInlineFormSet):
    """The user page's roles, checked before anything is saved: nobody changes their own
    roles, and a staff or superuser account holds none (as the form ticks it, so ticking
    staff and adding a role in one save is refused too). ``grant_role`` and
    ``revoke_role`` check both again when saving."""

    actor: User | None = None

    def clean(self) -> None:
        super().clean()
        if self.actor is not None and self.instance.pk == self.actor.pk and self.has_changed():
            raise ValidationError(OWN_ROLES_MESSAGE)
        kept = [
            form
            for form in self.forms
            if not self._should_delete_form(form)
            and (form.instance.pk or form.has_changed())
            and form.cleaned_data.get("role")
        ]
        if kept and (self.instance.is_staff or self.instance.is_superuser):
            raise ValidationError(STAFF_WITH_ROLE_MESSAGE)


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    formset = RoleAssignmentFormSet
    extra = 0
    fields = ["role", "area"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = request.user
        return formset


class PanelUserChangeForm(UserChangeForm):
    def clean(self) -> dict:
        cleaned = super().clean()
        becomes_staff = cleaned.get("is_staff") or cleaned.get("is_superuser")
        if becomes_staff and self.instance.pk:
            held = RoleAssignment.objects.filter(user_id=self.instance.pk)
            if held.exists():
                field = "is_superuser" if cleaned.get("is_superuser") else "is_staff"
                self.add_error(
                    field,
                    "This person holds roles that give access to case or referral data. "
                    "Remove their roles and save, before making them staff or superuser: "
                    "administrators must not read case data.",
                )
        return cleaned


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    form = PanelUserChangeForm
    list_display = ["username", "first_name", "last_name", "agency", "is_active", "is_staff"]
    list_filter = ["agency", "role_assignments__role", "is_active", "is_staff"]
    inlines = [RoleAssignmentInline]
    actions = ["reset_two_factor"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Agency", {"fields": ("agency", "job_title", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("Agency", {"fields": ("first_name", "last_name", "email", "agency", "job_title")}),
    )

    def save_formset(self, request, form, formset, change):
        """Roles are granted and removed through ``panel.services`` only (audited, and
        notified when they read case data); a changed row is a removal and a grant."""
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        user = form.instance
        granted, removed = [], []
        for row in formset.forms:
            delete = formset._should_delete_form(row)
            if row.instance.pk and (delete or row.has_changed()):
                before = RoleAssignment.objects.select_related("area").get(pk=row.instance.pk)
                revoke_role(actor=request.user, user=user, role=before.role, area=before.area)
                removed.append(before)
            if not delete and row.has_changed():
                data = row.cleaned_data
                granted.append(
                    grant_role(
                        actor=request.user, user=user, role=data["role"], area=data.get("area")
                    )
                )
        # What the admin's own history says was added and deleted (it reads these).
        formset.new_objects, formset.changed_objects = granted, []
        formset.deleted_objects = removed

    def user_change_password(self, request, id, form_url=""):
        """Django's page, in one transaction with the audit event for a changed password
        (never the password) and the revocation of all the person's API tokens."""
        with transaction.atomic():
            user = self.get_object(request, unquote(id))
            before = user.password if user is not None else None
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and user is not None:
                user.refresh_from_db(fields=["password"])
                if user.password != before:
                    password_changed(request.user, user=user)
        return response

    @admin.action(description="Reset two-factor authentication (lost phone)")
    def reset_two_factor(self, request, queryset):
        """Removes the selected people's authenticator and recovery codes, each recorded;
        never your own. Those who must use two-factor sign-in set it up again next time."""
        done = 0
        for user in queryset:
            try:
                mfa.reset_mfa(request.user, user=user)
            except PermissionDenied as refusal:
                self.message_user(request, f"{user.username}: {refusal}", messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(
                request, f"Two-factor authentication reset for {done} user(s).", messages.SUCCESS
            )


# API tokens (panel.ApiToken) are deliberately not registered: only their owner sees them,
# under Your account > API tokens.


@admin.register(AccessAttempt)
class SignInAttemptAdmin(admin.ModelAdmin):
    """Failed sign-ins counted by django-axes, per username and address. Read-only: the one
    way to clear them is the "Unlock" action, which records an ``unlocked`` event. (Axes'
    own admin, which deletes rows unaudited, is off: AXES_ENABLE_ADMIN.)"""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "locked"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    fields = ["username", "ip_address", "failures_since_start", "attempt_time", "path_info"]
    actions = ["unlock"]

    @admin.display(boolean=True, description="Locked out")
    def locked(self, attempt: AccessAttempt) -> bool:
        return attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_unlock_permission(self, request) -> bool:
        return request.user.is_superuser or request.user.has_perm("axes.delete_accessattempt")

    @admin.action(permissions=["unlock"], description="Unlock: clear these failed sign-ins")
    def unlock(self, request, queryset) -> None:
        cleared = 0
        for username, address in queryset.values_list("username", "ip_address").distinct():
            cleared += unlock_sign_in(
                actor=request.user, username=username, address=address, via="admin"
            )
        self.message_user(request, f"Cleared {cleared} failed sign-in record(s).", messages.SUCCESS)
