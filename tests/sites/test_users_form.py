"""The site-comparison form's users section as rows (workload, interactive/deferrable, round-trip budget,
metro + share rows), with the JSON box kept as the advanced alternative."""

from __future__ import annotations

import pytest
from django.urls import reverse

from planner.sites.models import SiteComparison

pytestmark = pytest.mark.django_db


def _form(scenario, organisation, **extra) -> dict:
    data = {"name": "Two sites", "organisation": organisation.pk, "scenario": scenario.pk, "users_mode": "form"}
    for i, (name, climate, region) in enumerate(
        [("Ashburn", "us-va-ashburn", "pjm-dominion"), ("Dallas", "us-tx-dallas", "ercot")]
    ):
        data.update({f"site-{i}-name": name, f"site-{i}-climate": climate, f"site-{i}-region": region})
    data.update(extra)
    return data


@pytest.fixture
def scenario(owner, organisation, small_inputs):
    from planner.scenarios import services

    return services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)


def _rows(*metros: tuple[str, str], workload: str = "chat", index: int = 0, kind: str = "interactive") -> dict:
    data = {f"users-{index}-workload": workload, f"users-{index}-kind": kind, f"users-{index}-rtt_budget_ms": "60"}
    for j, (slug, share) in enumerate(metros):
        # Gaps in the row numbers are rows removed in the page.
        data.update({f"users-{index}-metro-{2 * j}-slug": slug, f"users-{index}-metro-{2 * j}-share": share})
    return data


def test_it_saves_users_typed_as_rows(client, owner, organisation, scenario):
    client.force_login(owner)
    page = client.get(reverse("site-comparison-create")).content.decode()
    assert 'id="users-0-workload"' in page and 'value="new-york"' in page and 'id="users-mode-json"' in page
    data = _form(
        scenario,
        organisation,
        **_rows(("new-york", "0.7"), ("chicago", "0.3")),
        **_rows(("london", "1"), workload="autocomplete", index=3, kind="deferrable"),
    )
    response = client.post(reverse("site-comparison-create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    users = SiteComparison.objects.get().inputs["users"]
    assert users[0] == {
        "workload": "chat",
        "interactive": True,
        "rtt_budget_ms": 60.0,
        "metros": {"new-york": 0.7, "chicago": 0.3},
    }
    assert users[1]["workload"] == "autocomplete" and users[1]["interactive"] is False


def test_it_names_the_row_when_the_shares_do_not_add_up_to_one(client, owner, organisation, scenario):
    client.force_login(owner)
    data = _form(scenario, organisation, **_rows(("new-york", "0.6"), ("chicago", "0.3")))
    response = client.post(reverse("site-comparison-create"), data)
    page = response.content.decode()
    assert response.status_code == 400 and not SiteComparison.objects.exists()
    assert "users[0].metros" in page
    assert "the shares add up to 0.9, not 1" in page and "row 2 (chicago) would need 0.4" in page
    # The rows come back as typed, with the message beside them.
    assert 'id="users-0-error"' in page and 'value="0.3"' in page


def test_it_names_a_bad_share_and_a_repeated_metro_by_row(client, owner, organisation, scenario):
    client.force_login(owner)
    data = _form(scenario, organisation, **_rows(("new-york", "0.5"), ("new-york", "half")))
    page = client.post(reverse("site-comparison-create"), data).content.decode()
    assert "users[0].metros[1].share" in page and "row 2 (new-york): the share must be a number" in page
    assert "users[0].metros[1].metro" in page and "new-york is already in row 1" in page


def test_the_core_names_an_unknown_workload_in_a_row_section(client, owner, organisation, scenario):
    client.force_login(owner)
    data = _form(scenario, organisation, **_rows(("new-york", "1"), workload="no-such-workload"))
    response = client.post(reverse("site-comparison-create"), data)
    assert response.status_code == 400 and "users[0].workload" in response.content.decode()


def test_the_json_box_stays_the_advanced_alternative(client, owner, organisation, scenario):
    client.force_login(owner)
    users = '[{"workload": "chat", "metros": {"new-york": 1}, "rtt_budget_ms": 80, "interactive": true}]'
    data = {**_form(scenario, organisation, users=users), "users_mode": "json"}
    assert client.post(reverse("site-comparison-create"), data).status_code == 302
    assert SiteComparison.objects.get().inputs["users"][0]["metros"] == {"new-york": 1}
