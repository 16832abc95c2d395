from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.validators import MaxValueValidator


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is not active. Contact your panel coordinator.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


class ChangePasswordForm(PasswordChangeForm):
    """Django's password change form in GOV.UK words, with the rules' errors on the new
    password (where the person types it), not on its confirmation."""

    error_messages = {
        "password_incorrect": "Your current password is not right. Enter it again.",
        "password_mismatch": "The new passwords do not match. Enter the same password twice.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            "old_password": ("Current password", "Enter your current password"),
            "new_password1": ("New password", "Enter a new password"),
            "new_password2": ("Confirm new password", "Enter your new password again"),
        }
        for name, (label, required) in labels.items():
            field = self.fields[name]
            field.label = label
            field.error_messages["required"] = required
            field.help_text = ""
            field.widget.attrs.pop("autofocus", None)

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        if not self.has_error("new_password2", "password_mismatch"):
            self.validate_password_for_user(self.user, "new_password1")
        return self.cleaned_data


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, so you can recognise it later. For example: "
        "case management system export.",
        error_messages={
            "required": "Enter a name for the token",
            "max_length": "The name must be 100 characters or fewer",
        },
    )
    days = forms.IntegerField(
        label="Expires after (days)",
        min_value=1,
        error_messages={
            "required": "Enter the number of days the token lasts",
            "invalid": "The number of days must be a whole number, like 90",
            "min_value": "The number of days must be 1 or more",
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        maximum = settings.API_TOKEN_MAX_DAYS
        days = self.fields["days"]
        days.max_value = maximum
        days.validators.append(MaxValueValidator(maximum))
        days.error_messages["max_value"] = f"The number of days must be {maximum} or fewer"
        days.initial = min(settings.API_TOKEN_DEFAULT_DAYS, maximum)
        days.help_text = (
            f"The token stops working after this many days. At most {maximum}; "
            f"{days.initial} if you are not sure."
        )
