import pytest


@pytest.fixture
def scenario(owner, organisation, small_inputs):
    from planner.scenarios import services

    return services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)


def make_study(scenario, owner, definition, name="study"):
    from planner.studies import services

    return services.study_create(
        owner=owner, organisation=scenario.organisation, scenario=scenario, name=name, definition=definition
    )
