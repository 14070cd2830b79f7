"""Portal pages of the shared kernel: signing in, the language, the inbox, the provider organisation."""

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .access import roles_of
from .audit import audit_record
from .errors import NotFound
from .models import Invitation, Language, Membership, Notification, ProviderOrganisation, Role
from .notifications import notifications_visible_to
from .portal import done, render_form, run_service
from .securitylog import login_failure_record, security_record
from .services import invitation_accept, invitation_create, provider_register
from .validators import NameFormField


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # The same limit as the API's token sign-in: guessing passwords is slowed down, whichever door is used.
        from .api.auth import LoginThrottle

        throttle = LoginThrottle()
        if not throttle.allow_request(request, self):
            # Anyone can send these without limit: the security log, not the audit chain.
            security_record(
                action="auth.login_throttled",
                ip_address=request.META.get("REMOTE_ADDR"),
                method=request.method,
                path=request.path,
                status=429,
                code="throttled",
                detail={"username": (request.POST.get("username") or "")[:150], "channel": "portal"},
            )
            wait = int(throttle.wait() or 60)
            response = render(
                request,
                "portal/error.html",
                {
                    "status": 429,
                    "code": "throttled",
                    "message": _("Too many sign-in attempts. Try again in %(seconds)s seconds.") % {"seconds": wait},
                },
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        # The interface follows the user's own language from the first page after signing in.
        language = form.get_user().preferred_language
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", secure=not settings.DEBUG)
        audit_record(action="auth.login", actor=form.get_user(), ip_address=self.request.META.get("REMOTE_ADDR"))
        return response

    def form_invalid(self, form):
        # Every failed sign-in is on record (Annex IV), without saying which part was wrong.
        login_failure_record(
            username=self.request.POST.get("username") or "",
            channel="portal",
            ip_address=self.request.META.get("REMOTE_ADDR"),
        )
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    next_page = "portal:login"


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
    from tenders.models import Tender

    rows = list(notifications_visible_to(request.user).order_by("-created_at", "-id")[:200])
    tenders = Tender.objects.select_related("authority").in_bulk({n.tender_id for n in rows if n.tender_id})
    for n in rows:
        n._tender = tenders.get(n.tender_id)
    return render(request, "portal/inbox.html", {"notifications": rows})


@login_required
@require_POST
def inbox_read(request, pk: int):
    notification = notifications_visible_to(request.user).filter(pk=pk).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
        notification.read_at = timezone.now()
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
        result, status = run_service(
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
                ip_address=request.META.get("REMOTE_ADDR"),
            ),
        )
        if result is not None:
            _organisation, user = result
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
    form = InviteForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        result, status = run_service(
            form,
            lambda: invitation_create(
                actor=request.user,
                provider_id=current.pk,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            ),
        )
        if result is not None:
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
        result, status = run_service(
            form, lambda: invitation_accept(token=data["token"], user=request.user, new_user=new_user)
        )
        if result is not None:
            if not request.user.is_authenticated:
                login(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
            done(request, _("You joined %(name)s.") % {"name": result.provider.name})
            return redirect("portal:organisation")
    return render_form(request, "portal/accept.html", {"form": form}, status)
