import pytest

from tests.factories import AgentFactory, CustomerFactory, QueueFactory, UserFactory


@pytest.fixture
def queue(db):
    return QueueFactory(code="support", name="Support")


@pytest.fixture
def other_queue(db):
    return QueueFactory(code="sales", name="Sales")


@pytest.fixture
def agent(queue):
    return AgentFactory(username="agent", queues=[queue])


@pytest.fixture
def other_agent(other_queue):
    return AgentFactory(username="other-agent", queues=[other_queue])


@pytest.fixture
def supervisor(db):
    from tests.factories import ensure_groups

    user = UserFactory(username="supervisor")
    user.groups.add(ensure_groups()["Supervisor"])
    return user


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def customer(db):
    return CustomerFactory(email="lan@example.vn", name="Nguyễn Thị Lan")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # django-ratelimit counts in the cache, which outlives a test (the link-guess limit counts
    # every unknown link a test opens): each test starts at zero.
    from django.core.cache import cache

    cache.clear()
    yield
