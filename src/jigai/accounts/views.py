from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jigai.accounts import second_factor, services
from jigai.accounts.forms import (
    CodeForm,
    LoginForm,
    OrganisationForm,
    PasswordChangeForm,
    PasswordResetForm,
    RolesForm,
    UserCreateForm,
    UserEditForm,
)
from jigai.accounts.models import LoginThrottle, Organisation, User
from jigai.core.errors import BusinessError
from jigai.core.roles import Cap
from jigai.core.views import capability_required, refuse


@login_not_required
def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_attempt(
                request, form.cleaned_data["username"], form.cleaned_data["password"]
            )
        except services.LoginRefused as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user)
            return redirect("home")
    return render(request, "accounts/login.html", {"form": form})


@require_POST
def logout_view(request):
    services.record_logout(request.user, request.META.get("REMOTE_ADDR"))
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("accounts:login")


def home(request):
    """Send each user to where their work is."""
    user = request.user
    if user.can(Cap.VIEW_PROGRAMME):
        return redirect("dashboard:home")
    if user.can(Cap.MANAGE_USERS) or user.can(Cap.ASSIGN_ROLES):
        return redirect("accounts:users")
    if user.can(Cap.VIEW_AUDIT):
        return redirect("audit:list")
    return render(request, "accounts/no_role.html")


def password_change(request):
    reason = services.password_change_reason(request.user)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_own_password(
                request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except BusinessError as exc:
            form.add_error(None, exc.message)
            for line in exc.details:
                form.add_error("new_password", line)
        else:
            login(request, request.user)  # keep the session after the hash changed
            messages.success(request, _("Your password was changed."))
            return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form, "reason": reason})


def users(request):
    if not (request.user.can(Cap.MANAGE_USERS) or request.user.can(Cap.ASSIGN_ROLES)):
        raise PermissionDenied
    qs = (
        User.objects.select_related("organisation__division")
        .prefetch_related("role_assignments")
        .order_by("organisation__division__sort_order", "organisation__name", "username")
    )
    return render(request, "accounts/users.html", {"users": qs})


@capability_required(Cap.MANAGE_USERS)
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            user = services.create_user(
                actor=request.user,
                username=data.pop("username"),
                organisation=data.pop("organisation"),
                password=data.pop("password"),
                **data,
            )
        except BusinessError as exc:
            form.add_error(None, exc.message)
            for line in exc.details:
                form.add_error("password", line)
        else:
            messages.success(request, _("Account %(u)s opened.") % {"u": user.username})
            return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form, "title": _("New account")})


@capability_required(Cap.MANAGE_USERS)
def user_edit(request, pk):
    user = get_object_or_404(User, pk=pk)
    form = UserEditForm(request.POST or None, instance=User.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.update_user(user, changes, actor=request.user)
        except BusinessError as exc:
            return refuse(request, exc, "accounts:user_edit", pk)
        messages.success(request, _("Account %(u)s saved.") % {"u": user.username})
        return redirect("accounts:users")
    return render(
        request, "accounts/user_form.html", {"form": form, "title": user.username, "subject": user}
    )


@capability_required(Cap.ASSIGN_ROLES)
def user_roles(request, pk):
    user = get_object_or_404(User, pk=pk)
    form = RolesForm(request.POST or None, initial={"roles": sorted(user.roles)})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_roles(user, set(form.cleaned_data["roles"]), actor=request.user)
        except BusinessError as exc:
            return refuse(request, exc, "accounts:user_roles", pk)
        messages.success(request, _("Roles of %(u)s saved.") % {"u": user.username})
        return redirect("accounts:users")
    return render(request, "accounts/user_roles.html", {"form": form, "subject": user})


@capability_required(Cap.UNLOCK_ACCOUNTS)
def lockouts(request):
    locked = LoginThrottle.objects.filter(locked_until__gt=timezone.now()).order_by("username")
    return render(request, "accounts/lockouts.html", {"locked": locked})


@require_POST
@capability_required(Cap.UNLOCK_ACCOUNTS)
def unlock(request):
    try:
        services.unlock(request.POST.get("username", ""), actor=request.user)
    except BusinessError as exc:
        return refuse(request, exc, "accounts:lockouts")
    messages.success(request, _("Account unlocked."))
    return redirect("accounts:lockouts")


@capability_required(Cap.MANAGE_ORGANISATIONS)
def organisations(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.create_organisation(actor=request.user, **form.cleaned_data)
        except BusinessError as exc:
            return refuse(request, exc, "accounts:organisations")
        messages.success(request, _("Organisation %(o)s registered.") % {"o": org.name})
        return redirect("accounts:organisations")
    orgs = Organisation.objects.select_related("division", "parent")
    return render(request, "accounts/organisations.html", {"organisations": orgs, "form": form})


# --------------------------------------------------------------------------- second factor
def otp_verify(request):
    """Login step 2: a code of the user's authenticator, or a recovery code."""
    if second_factor.pending_step(request.user) != second_factor.VERIFY:
        return redirect("home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            second_factor.verify(request, request.user, form.cleaned_data["code"])
        except BusinessError as exc:
            form.add_error("code", exc.message)
        else:
            return redirect("home")
    return render(request, "accounts/otp_verify.html", {"form": form})


def otp_enrol(request):
    """Set up an authenticator app: a QR code (and the secret), confirmed by a code."""
    try:
        device = second_factor.enrolment_device(request.user)
    except BusinessError as exc:
        return refuse(request, exc, "accounts:second_factor")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.confirm_enrolment(
                request, request.user, form.cleaned_data["code"]
            )
        except BusinessError as exc:
            form.add_error("code", exc.message)
        else:
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr": second_factor.qr_svg(device),
            "secret": second_factor.secret_base32(device),
            "required": second_factor.required(request.user),
        },
    )


def second_factor_page(request):
    from django_otp.plugins.otp_static.models import StaticToken

    return render(
        request,
        "accounts/second_factor.html",
        {
            "enrolled": second_factor.has_authenticator(request.user),
            "required": second_factor.required(request.user),
            "recovery_left": StaticToken.objects.filter(device__user=request.user).count(),
        },
    )


@require_POST
def recovery_codes(request):
    try:
        codes = second_factor.new_recovery_codes(request.user)
    except BusinessError as exc:
        return refuse(request, exc, "accounts:second_factor")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@require_POST
@capability_required(Cap.UNLOCK_ACCOUNTS)
def user_second_factor_reset(request, pk):
    subject = get_object_or_404(User, pk=pk)
    try:
        second_factor.reset(subject, actor=request.user)
    except BusinessError as exc:
        return refuse(request, exc, "accounts:users")
    messages.success(request, _("The second factor of %(u)s was reset.") % {"u": subject.username})
    return redirect("accounts:users")


@capability_required(Cap.MANAGE_USERS)
def user_password_reset(request, pk):
    subject = get_object_or_404(User, pk=pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(subject, form.cleaned_data["password"], actor=request.user)
        except BusinessError as exc:
            form.add_error(None, exc.message)
            for line in exc.details:
                form.add_error("password", line)
        else:
            messages.success(
                request, _("A new initial password was set for %(u)s.") % {"u": subject.username}
            )
            return redirect("accounts:users")
    return render(
        request,
        "accounts/form_page.html",
        {"form": form, "title": _("Reset the password of %(u)s") % {"u": subject.username}},
    )
