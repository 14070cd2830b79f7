"""Portal pages of the shared kernel: signing in and out, passwords, the language, the inbox, the provider
organisation."""

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import asks
from .access import roles_of
from .audit import audit_record
from .clientip import client_ip
from .errors import Forbidden, NotFound
from .models import Invitation, Language, Membership, ProviderOrganisation, Role
from .notifications import notification_mark_read, notifications_visible_to
from .portal import done, render_form, run_service
from .securitylog import login_failure_record, security_record
from .services import (
    invitation_accept,
    invitation_create,
    invitation_create_check,
    provider_register,
    user_task_email_set,
)
from .tokens import api_tokens_revoke_all
from .validators import NameFormField


def _throttled(request, throttle, *, action: str, detail: dict, message) -> HttpResponse | None:
    """The portal's 429 page, on record, once the throttle's rate for this client is used up; None before."""
    if throttle.allow_request(request, None):
        return None
    # Anyone can send these without limit: the security log, not the audit chain.
    security_record(
        action=action,
        ip_address=client_ip(request),
        method=request.method,
        path=request.path,
        status=429,
        code="throttled",
        detail=detail,
    )
    wait = int(throttle.wait() or 60)
    context = {"status": 429, "code": "throttled", "message": message % {"seconds": wait}}
    response = render(request, "portal/error.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # The same limit as the API's token sign-in: guessing passwords is slowed down, whichever door is used.
        from .api.auth import LoginThrottle

        refusal = _throttled(
            request,
            LoginThrottle(),
            action="auth.login_throttled",
            detail={"username": (request.POST.get("username") or "")[:150], "channel": "portal"},
            message=_("Too many sign-in attempts. Try again in %(seconds)s seconds."),
        )
        return refusal or super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        # The interface follows the user's own language from the first page after signing in.
        language = form.get_user().preferred_language
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", secure=not settings.DEBUG)
        audit_record(action="auth.login", actor=form.get_user(), ip_address=client_ip(self.request))
        return response

    def form_invalid(self, form):
        # Every failed sign-in is on record (Annex IV), without saying which part was wrong.
        login_failure_record(
            username=self.request.POST.get("username") or "",
            channel="portal",
            ip_address=client_ip(self.request),
            request=self.request,
        )
        return super().form_invalid(form)


def admin_sign_in(request):
    """The admin site's sign-in page (/admin/login/) is the portal's: one door, behind the sign-in throttle, django-axes
    and the failure records of `LoginView`. The admin itself is for break-glass superusers; no password is checked
    here, whatever is posted."""
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return HttpResponseRedirect(next_url)
        # Signed in but not staff: the admin sent them here; sending them on would go round in a circle.
        raise Forbidden(_("Only the system's administrators use the admin site."))
    return HttpResponseRedirect(f"{reverse('portal:login')}?{urlencode({'next': next_url})}")


class LogoutView(auth_views.LogoutView):
    """Signing out of the portal signs the user out everywhere: their API tokens stop working too."""

    next_page = "portal:login"

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            api_tokens_revoke_all(
                user=request.user, reason="sign_out", actor=request.user, ip_address=client_ip(request)
            )
        return super().post(request, *args, **kwargs)


NEW_PASSWORD_HELP = _(
    "At least 12 characters. Not only digits, not a commonly used password, and not too like your name, username or "
    "e-mail address."
)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = NEW_PASSWORD_HELP


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = NEW_PASSWORD_HELP


class PasswordResetForm(auth_forms.PasswordResetForm):
    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        # In the user's own language, whatever the language of the page the request came from.
        with translation.override(context["user"].preferred_language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """A signed-in user changes their password: this session stays signed in; their other sessions and every API
    token end (the token revocation follows the new password hash, procurement.tokens)."""

    form_class = PasswordChangeForm
    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(action="auth.password_changed", actor=form.user, ip_address=client_ip(self.request))
        done(self.request, _("Your password was changed. Your API tokens and other sessions were signed out."))
        return response

    def form_invalid(self, form):
        return render_form(self.request, self.template_name, self.get_context_data(form=form))


class PasswordResetView(auth_views.PasswordResetView):
    """Anyone asks for a link to set a new password, by e-mail address; the answer never tells whether the address
    belongs to a user."""

    form_class = PasswordResetForm
    template_name = "portal/password_reset.html"
    email_template_name = "portal/password_reset_email.txt"
    subject_template_name = "portal/password_reset_subject.txt"
    success_url = reverse_lazy("portal:login")

    @property
    def extra_email_context(self):
        # The link points at the public address of the portal, not at whatever Host the request named.
        return {
            "public_url": settings.HANKINTA["PUBLIC_URL"].rstrip("/"),
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }

    def post(self, request, *args, **kwargs):
        from .api.auth import PasswordResetThrottle

        refusal = _throttled(
            request,
            PasswordResetThrottle(),
            action="auth.password_reset_throttled",
            detail={"email": (request.POST.get("email") or "")[:254]},
            message=_("Too many requests for a password reset. Try again in %(seconds)s seconds."),
        )
        return refusal or super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        email = form.cleaned_data["email"]
        # A link was sent to a user (the form's own choice of users): in the audit chain, about that account, like a
        # failed sign-in for a real username. Any other address anyone may send without limit: the security log.
        # The page answers alike either way; the logs are for the auditors, who may know who has an account.
        users = [user.get_username() for user in form.get_users(email)]
        if users:
            audit_record(
                action="auth.password_reset_requested",
                detail={"email": email, "users": users},
                ip_address=client_ip(self.request),
            )
        else:
            security_record(
                action="auth.password_reset_requested",
                ip_address=client_ip(self.request),
                method=self.request.method,
                path=self.request.path,
                status=302,
                code="unknown_address",
                detail={"email": email[:254]},
            )
        done(
            self.request,
            _(
                "If the address belongs to a user, a link to set a new password was sent to it. The link is valid "
                "for %(minutes)s minutes."
            )
            % {"minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
        )
        return response

    def form_invalid(self, form):
        return render_form(self.request, self.template_name, self.get_context_data(form=form))


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link of the e-mail: a new password, after which every session and API token of the user ends."""

    form_class = SetPasswordForm
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal:login")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(action="auth.password_reset", actor=form.user, ip_address=client_ip(self.request))
        done(self.request, _("Your password was set. Sign in with the new password."))
        return response

    def form_invalid(self, form):
        return render_form(self.request, self.template_name, self.get_context_data(form=form))


@require_POST
def language_set(request):
    """Switch the interface language; remembered in a cookie and, for a signed-in user, in their profile."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=False):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=not settings.DEBUG and request.is_secure(),
        )
        if request.user.is_authenticated and request.user.preferred_language != language:
            request.user.preferred_language = language
            request.user.save(update_fields=["preferred_language"])
    return response


def home(request):
    """The front page: what the signed-in user has to do, by role; the open calls for everyone else."""
    if not request.user.is_authenticated:
        return redirect("tenders:search")
    roles = roles_of(request.user)
    if roles.officer_of or roles.evaluator_of or roles.decision_maker_of:
        return redirect("tenders:dashboard")
    if roles.auditor_of or roles.auditor_of_all:
        return redirect("documents:audit")
    if roles.provider_of:
        return redirect("bids:mine")
    return render(request, "portal/home.html", {})


@login_required
def inbox(request):
    rows = list(notifications_visible_to(request.user).order_by("-created_at", "-id")[:200])
    tenders = asks.tenders_in_bulk({n.tender_id for n in rows if n.tender_id})
    for n in rows:
        n._tender = tenders.get(n.tender_id)
    # What waits for an official comes on top of the messages (computed, so a task done is gone).
    roles = roles_of(request.user)
    show_tasks = bool(roles.officer_of or roles.evaluator_of or roles.decision_maker_of)
    tasks = asks.worklist(request.user) if show_tasks else []
    context = {
        "notifications": rows,
        "tasks": tasks,
        "show_tasks": show_tasks,
        "preferences": TaskEmailForm(initial={"task_email": request.user.task_email}) if show_tasks else None,
    }
    return render(request, "portal/inbox.html", context)


class TaskEmailForm(forms.Form):
    task_email = forms.BooleanField(
        label=_("E-mail me when something waits for me"),
        required=False,
        help_text=_("Otherwise the tasks are shown here and on the dashboard only."),
    )


@login_required
@require_POST
def inbox_preferences(request):
    """The user's choice of e-mail for the tasks that wait for them."""
    form = TaskEmailForm(request.POST)
    form.is_valid()  # a checkbox: always valid
    user_task_email_set(actor=request.user, task_email=form.cleaned_data.get("task_email", False))
    done(request, _("Your choice was saved."))
    return redirect("portal:inbox")


@login_required
@require_POST
def inbox_read(request, pk: int):
    notification = notification_mark_read(user=request.user, notification_id=pk)
    if request.headers.get("HX-Request"):
        return render(request, "portal/_notification.html", {"n": notification})
    return redirect("portal:inbox")


class RegisterForm(forms.Form):
    name = NameFormField(label=_("Name of the organisation"), max_length=200)
    business_id = forms.CharField(label=_("Business ID"), max_length=20, help_text=_("For example 1234567-8."))
    email = forms.EmailField(label=_("E-mail for notifications"))
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    preferred_language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    username = forms.RegexField(label=_("Your username"), regex=r"^[\w.@+-]{3,150}$", max_length=150)
    first_name = NameFormField(label=_("First name"), max_length=150, required=False)
    last_name = NameFormField(label=_("Last name"), max_length=150, required=False)
    admin_email = forms.EmailField(label=_("Your e-mail"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=False), max_length=4096)


def register(request):
    """A training provider registers its organisation and becomes its first administrator."""
    form = RegisterForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outcome = run_service(
            form,
            lambda: provider_register(
                organisation={
                    "name": data["name"],
                    "business_id": data["business_id"],
                    "email": data["email"],
                    "address": data["address"],
                    "preferred_language": data["preferred_language"],
                },
                admin={
                    "username": data["username"],
                    "email": data["admin_email"],
                    "password": data["password"],
                    "first_name": data["first_name"],
                    "last_name": data["last_name"],
                },
                ip_address=client_ip(request),
            ),
        )
        status = outcome.status
        if outcome.ok:
            _organisation, user = outcome.result
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            done(request, _("The organisation is registered. Welcome!"))
            return redirect("portal:organisation")
    return render_form(request, "portal/register.html", {"form": form}, status)


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of the person to invite"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(Role.PROVIDER_MEMBER, Role.PROVIDER_MEMBER.label), (Role.PROVIDER_ADMIN, Role.PROVIDER_ADMIN.label)],
    )


@login_required
def organisation(request):
    """The provider's organisations, their members and pending invitations; administrators invite members."""
    roles = roles_of(request.user)
    organisations = list(ProviderOrganisation.objects.filter(pk__in=roles.provider_of).order_by("name"))
    if not organisations:
        raise NotFound()
    current = next((o for o in organisations if str(o.pk) == request.GET.get("org")), organisations[0])
    if request.method == "POST":
        invitation_create_check(actor=request.user, provider_id=current.pk)  # only its administrators invite
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            form,
            lambda: invitation_create(
                actor=request.user,
                provider_id=current.pk,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            ),
        )
        status = outcome.status
        if outcome.ok:
            done(request, _("The invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]})
            return redirect(f"{reverse('portal:organisation')}?org={current.pk}")
    context = {
        "organisations": organisations,
        "current": current,
        "members": Membership.objects.filter(provider=current).select_related("user").order_by("user__username"),
        "invitations": Invitation.objects.filter(provider=current, accepted_at__isnull=True).order_by("-created_at"),
        "is_admin": current.pk in roles.provider_admin_of,
        "form": form,
    }
    return render_form(request, "portal/organisation.html", context, status)


class AcceptForm(forms.Form):
    token = forms.CharField(label=_("Invitation code"), max_length=200)
    username = forms.RegexField(label=_("Username"), regex=r"^[\w.@+-]{3,150}$", max_length=150, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=4096, required=False)


def invitation_accept_page(request):
    """Accept an invitation: a signed-in user joins; a newcomer chooses a username and a password."""
    form = AcceptForm(request.POST or None, initial={"token": request.GET.get("token", "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new_user = None
        if not request.user.is_authenticated:
            new_user = {"username": data["username"], "password": data["password"]}
        outcome = run_service(
            form, lambda: invitation_accept(token=data["token"], user=request.user, new_user=new_user)
        )
        status = outcome.status
        if outcome.ok:
            if not request.user.is_authenticated:
                login(request, outcome.result.user, backend="django.contrib.auth.backends.ModelBackend")
            done(request, _("You joined %(name)s.") % {"name": outcome.result.provider.name})
            return redirect("portal:organisation")
    return render_form(request, "portal/accept.html", {"form": form}, status)
