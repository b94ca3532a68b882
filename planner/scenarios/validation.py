"""One check of a scenario before it is saved: the schema, then what its names resolve to."""

from __future__ import annotations

from typing import Any

from planner.engine.checks import feasibility_errors
from planner.engine.schema import ScenarioError, ScenarioSpec, parse_scenario
from planner.scenarios.custom_catalog import inputs_with_custom_entries
from planner.scenarios.selectors import upload_reference_errors


def scenario_validate(inputs: Any, *, organisation_id: int | None) -> ScenarioSpec:
    """The validated scenario, or ScenarioError naming every field that cannot be computed.

    An organisation's own catalog entries count as known names for its scenarios, and the
    uploads it names must be uploads of that organisation (checked here, at save, not at run time).
    """
    spec = parse_scenario(inputs)
    document = spec.model_dump(mode="json")
    if organisation_id is not None:
        document = inputs_with_custom_entries(document, organisation_id=organisation_id)
    errors = feasibility_errors(parse_scenario(document))
    if organisation_id is not None:
        for path, messages in upload_reference_errors(spec, organisation_id=organisation_id).items():
            errors.setdefault(path, []).extend(messages)
    if errors:
        raise ScenarioError(errors)
    return spec
