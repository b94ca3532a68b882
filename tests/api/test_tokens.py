"""API tokens: created and revoked from the user's page; scripts exchange a password for one."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
PAGE = "/api/v1/tokens/"


def test_it_sends_anonymous_users_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert reverse("api-tokens") == PAGE


def test_it_creates_shows_once_and_revokes_a_token_from_the_page(client, owner, scenario):
    client.force_login(owner)
    assert "You hold no API token" in client.get(PAGE).content.decode()
    created = client.post(PAGE, {"action": "create"})
    key = Token.objects.get(user=owner).key
    assert key in created.content.decode()
    assert key not in client.get(PAGE).content.decode(), "the full key is shown only once"

    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert script.get("/api/v1/scenarios/").json()["count"] == 1

    rotated = client.post(PAGE, {"action": "create"})
    new_key = Token.objects.get(user=owner).key
    assert new_key != key and new_key in rotated.content.decode()
    assert script.get("/api/v1/scenarios/").status_code == 401, "the old token stops working"

    client.post(PAGE, {"action": "revoke"})
    assert not Token.objects.filter(user=owner).exists()
    script.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert script.get("/api/v1/scenarios/").status_code == 401


def test_it_refuses_an_unknown_page_action(client, owner):
    client.force_login(owner)
    assert client.post(PAGE, {"action": "steal"}).status_code == 400


def test_it_exchanges_a_password_for_the_token_and_revokes_it(owner):
    script = APIClient()
    response = script.post("/api/v1/auth/token/", {"username": "owner", "password": "pw-owner"}, format="json")
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=owner).key == key
    wrong = script.post("/api/v1/auth/token/", {"username": "owner", "password": "nope"}, format="json")
    assert wrong.status_code == 400 and "password" in wrong.json()["errors"]
    script.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert script.delete("/api/v1/auth/token/").status_code == 204
    assert script.get("/api/v1/organisations/").status_code == 401


def test_it_accepts_the_browser_session_too(client, viewer, scenario):
    client.force_login(viewer)
    assert client.get("/api/v1/scenarios/").json()["count"] == 1
    # A session POST without the CSRF token is refused (the browser's forms carry it).
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(viewer)
    assert strict.post("/api/v1/scenarios/", {}, content_type="application/json").status_code == 403
