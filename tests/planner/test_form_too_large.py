"""A page form over Django's 2.5 MB limit answers a 413 page that says so (issue 20, item 11), not
a bare "Bad Request (400)"; the API keeps its own 413 body. The browser test of the same limit
(refused before sending, input kept) is tests/browser/test_hardening3.py."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from planner.scenarios.models import Scenario

pytestmark = pytest.mark.django_db


def test_a_3_mb_form_post_gets_a_clear_413_page(client, owner, organisation):
    client.force_login(owner)
    body = {"organisation": organisation.pk, "document": '{"description": "' + "x" * 3_000_000 + '"}'}
    response = client.post(reverse("scenario-create") + "?mode=json", body)
    assert response.status_code == 413
    page = response.content.decode()
    assert 'id="form-too-large"' in page and f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes" in page
    assert "Nothing was saved" in page and "Back" in page
    assert not Scenario.objects.exists()


def test_every_page_carries_the_limit_for_the_browser_check(client, owner):
    client.force_login(owner)
    page = client.get(reverse("scenario-list")).content.decode()
    assert f'data-max-post-bytes="{settings.DATA_UPLOAD_MAX_MEMORY_SIZE}"' in page and "planner/forms.js" in page


def test_other_bad_requests_keep_djangos_answer(client, owner):
    client.force_login(owner)
    response = client.get("/scenarios/", HTTP_HOST="bad host")
    assert response.status_code == 400 and b"too large" not in response.content
