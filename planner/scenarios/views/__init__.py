"""Page views, one module per area; thin over selectors and services."""

from planner.scenarios.views.catalog import catalog
from planner.scenarios.views.organisations import organisation_detail, organisation_list, organisation_member_set
from planner.scenarios.views.runs import (
    run_compare,
    run_create,
    run_detail,
    run_hourly,
    run_levers,
    run_list,
    run_rerun,
    run_status,
)
from planner.scenarios.views.scenarios import (
    scenario_clone,
    scenario_create,
    scenario_detail,
    scenario_edit,
    scenario_history,
    scenario_list,
    scenario_restore,
    scenario_revision,
)
from planner.scenarios.views.uploads import upload_create, upload_data, upload_detail, upload_list

__all__ = [
    "catalog",
    "organisation_detail",
    "organisation_list",
    "organisation_member_set",
    "run_compare",
    "run_create",
    "run_detail",
    "run_hourly",
    "run_levers",
    "run_list",
    "run_rerun",
    "run_status",
    "scenario_clone",
    "scenario_create",
    "scenario_detail",
    "scenario_edit",
    "scenario_history",
    "scenario_list",
    "scenario_restore",
    "scenario_revision",
    "upload_create",
    "upload_data",
    "upload_detail",
    "upload_list",
]
