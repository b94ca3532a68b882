"""Portfolio fixtures: three scenarios of the owner's organisation and a portfolio of them."""

from __future__ import annotations

import copy

import pytest

from planner.portfolios import services
from planner.scenarios import services as scenario_services


@pytest.fixture
def scenarios(owner, organisation, small_inputs):
    made = []
    for i, peak in enumerate((1.0, 2.0, 3.0)):
        inputs = copy.deepcopy(small_inputs)
        inputs["name"] = f"Facility {'ABC'[i]}"
        for workload in inputs["workloads"]:
            workload["peak_requests_per_s"] = workload["peak_requests_per_s"] * peak
        made.append(scenario_services.scenario_create(owner=owner, organisation=organisation, inputs=inputs))
    return made


@pytest.fixture
def definition(scenarios) -> dict:
    return {
        "name": "Loudoun queue",
        "start_year": 2026,
        "end_year": 2030,
        "members": [
            {"scenario": scenarios[0].pk, "in_service_year": 2026, "ramp": [1.0]},
            {"scenario": scenarios[1].pk, "in_service_year": 2027, "ramp": [0.5, 1.0]},
        ],
    }


@pytest.fixture
def portfolio(owner, organisation, definition):
    return services.portfolio_create(owner=owner, organisation=organisation, data=definition)
