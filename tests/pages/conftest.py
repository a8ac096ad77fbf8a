import pytest
from django.core.cache import cache

from customers.models import ChannelKind
from tests.factories import ChannelFactory


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # django-ratelimit counts in the cache; each test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def web_form_channel(queue):
    return ChannelFactory(kind=ChannelKind.WEB_FORM, default_queue=queue)


@pytest.fixture
def vi():
    return {"HTTP_ACCEPT_LANGUAGE": "vi"}


@pytest.fixture
def en():
    return {"HTTP_ACCEPT_LANGUAGE": "en"}
