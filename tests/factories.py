"""Test data. Factories build valid rows; tests change only what they are about."""

import factory
from django.contrib.auth import get_user_model

from channels.models import Channel
from customers.models import ChannelKind, Customer, CustomerIdentity, Organization, Segment
from knowledge_base.models import Article, ArticleStatus, Category
from tickets.models import AgentProfile, InteractionReason, Queue, Skill, Ticket, TicketMessage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"segment-{n}")
    name = factory.LazyAttribute(lambda s: s.code.title())


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Công ty {n}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Khách hàng {n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.vn")
    language = "vi"

    @factory.post_generation
    def with_identity(obj, create, extracted, **kwargs):  # noqa: N805
        if create and obj.email:
            CustomerIdentity.objects.get_or_create(
                kind=ChannelKind.EMAIL, address=obj.email, defaults={"customer": obj}
            )


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"skill-{n}")
    name = factory.LazyAttribute(lambda s: s.code)


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Queue
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"queue-{n}")
    name = factory.LazyAttribute(lambda q: q.code.title())


def ensure_groups() -> dict:
    """The staff groups with their permissions, as migrate leaves them (a test that flushed the
    database lost them). The permission table of the admin and the API is these groups'."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    from cim_site.roles import sync_group_permissions

    if not Group.objects.filter(name="Agent", permissions__codename="view_ticket").exists():
        importlib.import_module("cim_site.migrations.0001_groups").create_groups(apps, None)
    sync_group_permissions()
    return {group.name: group for group in Group.objects.all()}


class AgentFactory(UserFactory):
    """A staff user in the Agent group with an agent profile working the given queues:
    AgentFactory(queues=[q])."""

    @factory.post_generation
    def queues(obj, create, extracted, **kwargs):  # noqa: N805
        if not create:
            return
        profile, _ = AgentProfile.objects.get_or_create(
            user=obj, defaults={"languages": ["vi", "en"]}
        )
        if extracted:
            profile.queues.add(*extracted)
        obj.groups.add(ensure_groups()["Agent"])


class ReasonCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InteractionReason
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"category-{n}")
    name_vi = factory.LazyAttribute(lambda r: f"Nhóm {r.code}")
    name_en = factory.LazyAttribute(lambda r: f"Category {r.code}")


class ReasonFactory(ReasonCategoryFactory):
    code = factory.Sequence(lambda n: f"reason-{n}")
    parent = factory.SubFactory(ReasonCategoryFactory)


class TicketFactory(factory.django.DjangoModelFactory):
    """A row as the database holds it; tests of behaviour create tickets through the service."""

    class Meta:
        model = Ticket

    subject = factory.Sequence(lambda n: f"Yêu cầu số {n}")
    customer = factory.SubFactory(CustomerFactory)
    queue = factory.SubFactory(QueueFactory)
    channel = ChannelKind.EMAIL


class TicketMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketMessage

    ticket = factory.SubFactory(TicketFactory)
    kind = "public"
    author_type = "customer"
    body = "Xin chào, tôi cần hỗ trợ."
    channel = ChannelKind.EMAIL


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = factory.LazyAttribute(lambda c: c.kind.replace("_", "-"))
    name = factory.LazyAttribute(lambda c: c.kind)
    kind = ChannelKind.WEB_FORM
    default_queue = factory.SubFactory(QueueFactory)


class KBCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name_vi = factory.Sequence(lambda n: f"Danh mục {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    category = factory.SubFactory(KBCategoryFactory)
    language = "vi"
    title = factory.Sequence(lambda n: f"Bài viết {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    body = "Nội dung **bài viết**."
    status = ArticleStatus.PUBLISHED
