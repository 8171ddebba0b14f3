"""Sign-in throttling of the admin (django-axes): after 5 failures for one username from one
address, that pair is locked out for 15 minutes, even with the right password."""
import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "operator-secret-42"
LOGIN = reverse("admin:login")


def sign_in(client: Client, username: str, password: str) -> int:
    response = client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})
    return response.status_code


def test_five_failures_lock_the_username_out_from_that_address(settings):
    assert (settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds()) == (5, 15 * 60)
    User.objects.create_user("olga", password=PASSWORD, is_staff=True)
    User.objects.create_user("ivan", password=PASSWORD, is_staff=True)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        assert sign_in(client, "olga", "wrong-guess") == 200  # the form again, with an error
    assert sign_in(client, "olga", "wrong-guess") == 429  # the fifth: locked out
    assert sign_in(client, "olga", PASSWORD) == 429  # even the right password
    assert sign_in(client, "ivan", PASSWORD) == 302  # another operator is not
    assert sign_in(Client(REMOTE_ADDR="198.51.100.1"), "olga", PASSWORD) == 302  # nor from elsewhere


def test_a_success_resets_the_count():
    User.objects.create_user("olga", password=PASSWORD, is_staff=True)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        sign_in(client, "olga", "wrong-guess")
    assert sign_in(client, "olga", PASSWORD) == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "olga", "wrong-guess") == 200
