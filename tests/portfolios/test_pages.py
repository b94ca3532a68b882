"""Portfolio pages for the owner, a teammate, a viewer and an outsider."""

import pytest

from planner.jobs.lifecycle import job_execute
from planner.jobs.models import JobStatus as PortfolioRunStatus
from planner.portfolios.models import Portfolio, PortfolioRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, request):
    def login(who: str):
        client.force_login(request.getfixturevalue(who))
        return client

    return login


def _form(scenarios, **extra):
    data = {
        "name": "Page queue",
        "start_year": "2026",
        "end_year": "2029",
        "member_rows": "3",
        "member-0-scenario": str(scenarios[0].pk),
        "member-0-in_service_year": "2026",
        "member-0-ramp": "50%, 100%",
        "member-0-ramp_unit": "share",
        "member-1-scenario": str(scenarios[2].pk),
        "member-1-in_service_year": "2028",
        "member-1-ramp": "1",
        "member-1-ramp_unit": "share",
    }
    return data | extra


@pytest.mark.parametrize("who", ["owner", "teammate", "viewer"])
def test_members_see_the_pages(browser, portfolio, who):
    client = browser(who)
    assert b"Loudoun queue" in client.get("/portfolios/").content
    page = client.get(f"/portfolios/{portfolio.pk}/")
    assert page.status_code == 200 and b"Facility B" in page.content
    assert (b'id="run-portfolio"' in page.content) is (who != "viewer")


def test_an_outsider_gets_404_everywhere(browser, portfolio, owner):
    run = PortfolioRun.objects.create(portfolio=portfolio, submitted_by=owner, inputs={})
    client = browser("outsider")
    assert b"Loudoun queue" not in client.get("/portfolios/").content
    for url in (
        f"/portfolios/{portfolio.pk}/",
        f"/portfolios/{portfolio.pk}/edit/",
        f"/portfolios/runs/{run.pk}/",
        f"/portfolios/runs/{run.pk}/status.json",
        f"/portfolios/compare/?a={portfolio.pk}&b={portfolio.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/portfolios/{portfolio.pk}/run/").status_code == 404


def test_a_viewer_cannot_edit_or_run(browser, portfolio):
    client = browser("viewer")
    assert client.get(f"/portfolios/{portfolio.pk}/edit/").status_code == 403
    assert client.post(f"/portfolios/{portfolio.pk}/run/").status_code == 403
    assert client.get("/portfolios/new/").status_code == 403
    assert not PortfolioRun.objects.exists()


def test_a_teammate_creates_a_portfolio_from_the_form(browser, scenarios):
    response = browser("teammate").post("/portfolios/new/", _form(scenarios))
    assert response.status_code == 302
    portfolio = Portfolio.objects.get(name="Page queue")
    assert [m.ramp for m in portfolio.members.all()] == [[0.5, 1.0], [1.0]]


def test_the_form_shows_field_errors(browser, scenarios):
    response = browser("owner").post("/portfolios/new/", _form(scenarios, **{"member-1-ramp": "1.5"}))
    assert response.status_code == 400
    assert b"members[1].ramp[0]" in response.content and b"over 100 %" in response.content
    assert not Portfolio.objects.exists()


def test_the_run_page_shows_progress_then_the_charts(browser, portfolio, definition, owner, organisation):
    from planner.portfolios import services

    client = browser("owner")
    response = client.post(f"/portfolios/{portfolio.pk}/run/")
    run = PortfolioRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/portfolios/runs/{run.pk}/"
    if run.status == PortfolioRunStatus.QUEUED:  # a broker is configured: execute the job here
        job_execute(kind="portfolio_run", job_id=run.pk)
    page = client.get(f"/portfolios/runs/{run.pk}/").content.decode()
    assert 'id="chart-stack-pjm-dominion"' in page and 'id="portfolio-result"' in page
    assert "latest succeeded" in page or "computed in this job" in page
    other = services.portfolio_create(owner=owner, organisation=organisation, data={**definition, "name": "Other"})
    compare = client.get(f"/portfolios/compare/?a={portfolio.pk}&b={other.pk}").content.decode()
    assert "Loudoun queue" in compare and "No completed run yet" in compare


def test_a_teammate_edits_the_owners_portfolio(browser, portfolio, scenarios):
    client = browser("teammate")
    form = client.get(f"/portfolios/{portfolio.pk}/edit/")
    assert form.status_code == 200 and b"Loudoun queue" in form.content
    response = client.post(f"/portfolios/{portfolio.pk}/edit/", _form(scenarios, name="Renamed queue"))
    assert response.status_code == 302
    portfolio.refresh_from_db()
    assert portfolio.name == "Renamed queue" and portfolio.end_year == 2029
    assert [m.scenario_id for m in portfolio.members.all()] == [scenarios[0].pk, scenarios[2].pk]
