"""Factories for the test suite: real rows in the real database."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from procurement.exclusion import EXCLUSION_CODES
from procurement.models import ContractingAuthority, Membership, ProviderOrganisation, Role, User
from tenders.models import Lot, QualityCriterion, SuitabilityRequirement, Tender

# Valid business IDs (python-stdnum accepts them); none of them is a real organisation's.
BUSINESS_IDS = ["3012345-8", "3123456-3", "3234567-9", "3345678-4", "0123456-2", "2946781-9", "3387765-0", "2296962-1"]


def _business_id(n: int) -> str:
    from stdnum.fi import ytunnus

    base = 4000000 + n * 7
    for check in "0123456789":
        candidate = f"{base}-{check}"
        if ytunnus.is_valid(candidate):
            return candidate
    return _business_id(n + 1000)


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractingAuthority

    name_fi = factory.Sequence(lambda n: f"Testikunta {n}")
    business_id = factory.Sequence(_business_id)
    kind = ContractingAuthority.Kind.MUNICIPALITY
    language_status = ContractingAuthority.LanguageStatus.FINNISH
    region = "Pohjois-Savo"
    email = "kirjaamo@testikunta.example"
    valid_from = factory.LazyFunction(lambda: timezone.now().date() - timedelta(days=365))


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProviderOrganisation

    name = factory.Sequence(lambda n: f"Koulutus {n} Oy")
    business_id = factory.Sequence(lambda n: _business_id(n + 50000))
    email = factory.Sequence(lambda n: f"tarjoukset{n}@provider.example")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def officer_of(authority, **kwargs) -> User:
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, role=Role.OFFICER, authority=authority)
    return user


def provider_member_of(provider, **kwargs) -> User:
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, role=Role.PROVIDER_MEMBER, provider=provider)
    return user


def auditor(authority=None, **kwargs) -> User:
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, role=Role.AUDITOR, authority=authority)
    return user


class TenderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tender
        skip_postgeneration_save = True

    authority = factory.SubFactory(AuthorityFactory)
    title_fi = factory.Sequence(lambda n: f"Kotoutumiskoulutus {n}")
    # A bilingual authority's call has its Swedish title (tenders.languages); others need none.
    title_sv = factory.LazyAttribute(
        lambda t: (
            t.title_fi.replace("Kotoutumiskoulutus", "Integrationsutbildning")
            if t.authority.language_status == "bilingual"
            else ""
        )
    )
    bid_languages = factory.LazyFunction(lambda: ["fi"])
    exclusion_grounds = factory.LazyFunction(lambda: list(EXCLUSION_CODES))
    estimated_value = Decimal("450000")
    price_weight = Decimal("60")
    submission_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=21))
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def with_structure(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        # Every officer-written text with its Swedish counterpart, as a bilingual authority's call needs them.
        Lot.objects.create(
            tender=obj,
            number=1,
            title="Kuopio, perustaso",
            title_sv="Kuopio, grundläggande stig",
            municipality="Kuopio",
            students=20,
            volume=Decimal("20"),
        )
        Lot.objects.create(
            tender=obj,
            number=2,
            title="Iisalmi, hidas polku",
            title_sv="Idensalmi, långsam stig",
            municipality="Iisalmi",
            students=15,
            volume=Decimal("15"),
        )
        SuitabilityRequirement.objects.create(
            tender=obj,
            number=1,
            kind="technical",
            text="Vastuuopettajalla 5 vuoden kokemus",
            text_sv="Den ansvariga läraren har 5 års erfarenhet",
            evidence="CV",
            evidence_sv="CV",
        )
        QualityCriterion.objects.create(
            tender=obj, number=1, name="Toteutussuunnitelma", name_sv="Genomförandeplan", weight=Decimal("25")
        )
        QualityCriterion.objects.create(
            tender=obj, number=2, name="Työelämäyhteistyö", name_sv="Samarbete med arbetslivet", weight=Decimal("15")
        )
