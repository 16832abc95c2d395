"""Two-factor pages: the sign-in's second step, the set-up, the recovery codes and the
account's two-factor overview; and the admin's login, which is the app's sign-in.

Sign-in is two steps on the same GOV.UK pages: the password (Django's LoginView with the
SignInForm, as before), then, for a user with an authenticator, the code. Only after both
is ``django.contrib.auth.login`` called, so ``logged_in`` is recorded once. A user who must
use two-factor sign-in and has no authenticator is taken from the password to the set-up,
and signed in when it is confirmed. Between the steps the session holds who and since when
(panel/mfa.py ``start_pending``), never a signed-in user.
"""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from audit.models import AuditEvent
from audit.services import record
from panel import mfa
from panel.forms import SignInForm

AFTER_CODES_SESSION_KEY = "mfa_after_codes"
EXPIRED = "Your sign-in timed out. Sign in again."


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        strip=True,
        error_messages={
            "required": "Enter the 6-digit code from your authenticator app",
            "max_length": "Enter the 6-digit code from your authenticator app",
        },
    )


class SignInView(auth_views.LoginView):
    """Step 1, the password. Users with no authenticator who need none are signed in here,
    as before; everyone else goes on to the code or to set one up."""

    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: SignInForm) -> HttpResponse:
        user = form.get_user()
        has_device = mfa.has_mfa(user)
        if not has_device and not mfa.mfa_required(user):
            return super().form_valid(form)
        mfa.start_pending(self.request, user, next_url=self.get_success_url(), setup=not has_device)
        return redirect("sign-in-code" if has_device else "account-mfa-setup")


@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the 6-digit code, or a recovery code. A wrong code is recorded as
    ``login_failed`` ({"step": "two-factor"}, never the code); the devices' own throttling
    refuses every code for a while after repeated failures."""
    user, pending = mfa.pending_user(request)
    if user is None or pending.get("setup"):
        messages.info(request, EXPIRED)
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, wait = mfa.verify_second_factor(user, form.cleaned_data["code"])
        if device is not None:
            return _complete_sign_in(request, user, pending)
        _record_failed_code(user)
        form.add_error(
            "code",
            _too_many(wait)
            if wait
            else "The code is not right. Enter the code your authenticator app shows now, "
            "or one of your recovery codes.",
        )
    return render(request, "registration/sign_in_code.html", {"form": form})


def _too_many(wait: int) -> str:
    seconds = "1 second" if wait == 1 else f"{wait} seconds"
    return f"Too many wrong codes. Wait {seconds}, then enter a new code."


def _complete_sign_in(request: HttpRequest, user, pending: dict) -> HttpResponse:
    del request.session[mfa.PENDING_SESSION_KEY]
    login(request, user)  # cycles the session key, keeps its data
    mfa.mark_verified(request)
    return redirect(pending["next"])


def _record_failed_code(user, step: str = "two-factor") -> None:
    record(
        actor=None,
        verb=AuditEvent.Verb.LOGIN_FAILED,
        object_type="panel.user",
        object_id=user.pk,
        changes={"step": step},
    )


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a code.
    Reached signed in (from the account page, or sent by the middleware), or between
    password and sign-in for someone who must use two-factor sign-in and has none yet."""
    pending: dict | None = None
    if request.user.is_authenticated:
        user = request.user
        if mfa.has_mfa(user):
            if mfa.mfa_required(user) and not request.session.get(mfa.VERIFIED_SESSION_KEY):
                # Set up but not used for this session: sign in again, with the code.
                logout(request)
                messages.info(request, "Sign in again with your authenticator app.")
                return redirect("login")
            return redirect("account-mfa")
    else:
        user, pending = mfa.pending_user(request)
        if user is None or not pending.get("setup"):
            messages.info(request, EXPIRED)
            return redirect("login")
    device = mfa.pending_device(user)
    form = CodeForm(request.POST or None)
    wait = mfa.throttle_wait(device) if request.method == "POST" else None
    if wait:
        form.is_valid()
        form.add_error("code", _too_many(wait))
    elif request.method == "POST" and form.is_valid():
        codes = mfa.confirm_authenticator(user, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            next_url = reverse("account-mfa")
            if pending is not None:
                del request.session[mfa.PENDING_SESSION_KEY]
                login(request, user)
                next_url = pending["next"]
            mfa.mark_verified(request)
            request.session[mfa.NEW_CODES_SESSION_KEY] = codes
            request.session[AFTER_CODES_SESSION_KEY] = next_url
            return redirect("account-mfa-recovery-codes")
        if pending is not None:
            _record_failed_code(user, "two-factor set-up")
        form.add_error(
            "code",
            "The code is not right. Enter the 6-digit code your authenticator app shows now.",
        )
    uri = device.config_url
    return render(
        request,
        "account/mfa_setup.html",
        {
            "form": form,
            "signing_in": pending is not None,
            "required": mfa.mfa_required(user),
            "secret_key": mfa.secret_key(device),
            "otpauth_uri": uri,
            "qr_svg": _qr_svg(uri),
        },
    )


def _qr_svg(data: str) -> str:
    """The QR code as inline SVG: paths only, no style or script (a strict CSP)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    svg = svg.replace(
        "<svg ",
        '<svg role="img" aria-labelledby="mfa-qr-title" class="app-qr-code" ',
        1,
    )
    close = svg.index(">") + 1
    title = "<title id='mfa-qr-title'>QR code holding your secret key</title>"
    # Generated by qrcode from our own URI (letters, digits and URL characters): safe.
    return mark_safe(svg[:close] + title + svg[close:])  # noqa: S308


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """GET shows recovery codes just made, once (a reload does not show them again). POST
    makes new ones, voiding the old."""
    if request.method == "POST":
        request.session[mfa.NEW_CODES_SESSION_KEY] = mfa.regenerate_recovery_codes(request.user)
        request.session[AFTER_CODES_SESSION_KEY] = reverse("account-mfa")
        return redirect("account-mfa-recovery-codes")
    codes = request.session.pop(mfa.NEW_CODES_SESSION_KEY, None)
    if not codes:
        return redirect("account-mfa")
    after = request.session.pop(AFTER_CODES_SESSION_KEY, reverse("account-mfa"))
    return render(request, "account/mfa_recovery_codes.html", {"codes": codes, "after": after})


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Whether two-factor sign-in is on for this account, whether it must be, and what the
    user can do about it."""
    user = request.user
    return render(
        request,
        "account/mfa.html",
        {
            "enabled": mfa.has_mfa(user),
            "required": mfa.mfa_required(user),
            "codes_left": mfa.recovery_codes_left(user),
        },
    )


def admin_sign_in(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The admin's own login page asks for a password only: staff sign in through the
    app's sign-in instead, with their second factor, and come back."""
    if request.user.is_authenticated:
        if request.user.is_staff:
            return redirect("admin:index")
        raise PermissionDenied
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('login')}?{urlencode({'next': next_url})}")
