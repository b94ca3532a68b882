"""Serializers: the shapes of request and response bodies. Validation of scenario documents is
the schema's (planner.engine.schema.parse_scenario), not repeated here."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from accelerators.efficiency.constants import serving_value
from planner.jobs.describe import job_is_stuck, job_waiting_for
from planner.scenarios.models import Organisation, Run, RunStatus, Scenario

# The largest decode batch any face accepts: the engine's scheduler cap (max_batch_cap, an
# assumption with its reason in accelerators/data/calibration.yaml); 1e9 gave 97,222 s per token.
MAX_BATCH = int(serving_value("max_batch_cap"))

REPORT_KINDS = ("pdf", "xlsx", "csv", "json")


class ScenarioDocumentField(serializers.JSONField):
    """A scenario document; the OpenAPI schema is the pydantic one (see planner.api.schema)."""


def _absolute(request, name: str, *args: object) -> str:
    path = reverse(name, args=args)
    return request.build_absolute_uri(path) if request is not None else path


class OrganisationSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="your role: viewer, planner or admin")

    class Meta:
        model = Organisation
        fields = ["id", "name", "role"]

    def get_role(self, organisation: Organisation) -> str:
        return self.context["roles"].get(organisation.pk, "")


class ScenarioSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    runs_url = serializers.SerializerMethodField()
    owner = serializers.CharField(source="owner.username", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    inputs = ScenarioDocumentField(read_only=True)

    class Meta:
        model = Scenario
        fields = [
            "id",
            "url",
            "name",
            "organisation",
            "organisation_name",
            "owner",
            "version",
            "schema_version",
            "created_at",
            "updated_at",
            "runs_url",
            "inputs",
        ]
        read_only_fields = fields

    def get_url(self, scenario: Scenario) -> str:
        return _absolute(self.context.get("request"), "api-scenario-detail", scenario.pk)

    def get_runs_url(self, scenario: Scenario) -> str:
        return _absolute(self.context.get("request"), "api-scenario-runs", scenario.pk)


class ScenarioCreateSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="id of one of your organisations (optional when you can edit in exactly one)",
    )
    inputs = ScenarioDocumentField(help_text="the scenario document")


class ScenarioUpdateSerializer(serializers.Serializer):
    inputs = ScenarioDocumentField(help_text="the whole new scenario document (saved as the next version)")


class RunSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    result_url = serializers.SerializerMethodField(help_text="KPIs once completed (add ?hourly=1 for the series)")
    reports_url = serializers.SerializerMethodField()
    scenario_url = serializers.SerializerMethodField()
    finished = serializers.BooleanField(source="is_finished", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    waiting_for = serializers.SerializerMethodField(
        help_text="what a queued or running run waits for, e.g. 'waiting for a worker since 12:01:07 UTC'"
    )
    stuck = serializers.SerializerMethodField(
        help_text="unfinished and overdue (recovery retries it; re-run meanwhile)"
    )
    constraints = serializers.SerializerMethodField(
        help_text="constraints the run missed (status constraints_not_met): kind, label, message, figures"
    )

    class Meta:
        model = Run
        fields = [
            "id",
            "url",
            "scenario",
            "scenario_url",
            "scenario_version",
            "status",
            "status_label",
            "constraints",
            "waiting_for",
            "stuck",
            "stage",
            "progress_frac",
            "finished",
            "error",
            "attempts",
            "submitted_by",
            "created_at",
            "started_at",
            "finished_at",
            "compute_s",
            "input_hash",
            "code_version",
            "result_url",
            "reports_url",
        ]
        read_only_fields = fields

    def get_url(self, run: Run) -> str:
        return _absolute(self.context.get("request"), "api-run-detail", run.pk)

    def get_scenario_url(self, run: Run) -> str:
        return _absolute(self.context.get("request"), "api-scenario-detail", run.scenario_id)

    def get_waiting_for(self, run: Run) -> str:
        return job_waiting_for(run)

    def get_stuck(self, run: Run) -> bool:
        return job_is_stuck(run)

    def get_constraints(self, run: Run) -> list[dict]:
        return run.constraints

    def get_result_url(self, run: Run) -> str | None:
        if not run.is_completed:
            return None
        return _absolute(self.context.get("request"), "api-run-result", run.pk)

    def get_reports_url(self, run: Run) -> str:
        return _absolute(self.context.get("request"), "api-run-reports", run.pk)


class RunResultSerializer(serializers.Serializer):
    """KPIs at the top level as `manage.py plan --json` prints them; `hourly` only with ?hourly=1."""

    run = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RunStatus.choices)
    constraints = serializers.ListField(child=serializers.DictField(), help_text="constraints the run missed")
    finished_at = serializers.DateTimeField()
    result = serializers.DictField(help_text="KPIs, pools, breakdown, warnings, meta (units in the key names)")
    hourly = serializers.DictField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True)),
        required=False,
        help_text="series name → 8,760 hourly values (units in the names); only with ?hourly=1",
    )


class CatalogEntrySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    builtin = serializers.BooleanField(help_text="shipped with the planner (true) or an organisation's own entry")
    organisation = serializers.IntegerField(allow_null=True)
    data = serializers.DictField(help_text="the entry's figures, units in the field names (SI in the core)")
    sources = serializers.DictField(child=serializers.CharField(), help_text="field → source (document, table, year)")


class CatalogEntryCreateSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(required=False, min_value=1)
    slug = serializers.SlugField(max_length=200)
    name = serializers.CharField(max_length=200)
    data = serializers.DictField(help_text="the entry in the catalog's data-file schema")
    sources = serializers.DictField(child=serializers.CharField(max_length=2000), required=False, default=dict)


class CatalogEntryUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    data = serializers.DictField(help_text="the entry in the catalog's data-file schema")
    sources = serializers.DictField(child=serializers.CharField(max_length=2000), required=False, default=dict)


class EstimateRequestSerializer(serializers.Serializer):
    """The same arguments as `manage.py estimate` (accelerators.efficiency.estimate)."""

    model = serializers.JSONField(help_text="catalog slug / Hugging Face id, or a full model object")
    accelerator = serializers.JSONField(help_text="catalog slug, or a full accelerator object")
    organisation = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="whose own catalog entries the slugs name (default: any of yours; the same slug in two is an error)",
    )
    devices = serializers.IntegerField(min_value=1, max_value=4096, default=1)
    weight_precision = serializers.CharField(required=False, allow_null=True, default=None, max_length=20)
    kv_precision = serializers.CharField(required=False, allow_null=True, default=None, max_length=20)
    batch = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=MAX_BATCH,
        help_text=f"decode batch [sequences], ≤ {MAX_BATCH:,} (scheduler cap, accelerators/data/calibration.yaml)",
    )
    input_tokens = serializers.IntegerField(min_value=1, max_value=2_000_000, default=150)
    output_tokens = serializers.IntegerField(min_value=1, max_value=1_000_000, default=350)
    sparsity = serializers.CharField(default="none", max_length=40)
    tpot_target_s = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=1e-6, max_value=600, help_text="[s]"
    )
    tpot_target_ms = serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1e-3,
        max_value=600_000,
        help_text="[ms], as `manage.py estimate --tpot-target-ms`; give this or tpot_target_s",
    )
    tensor_parallel = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    expert_parallel = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    pipeline_parallel = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    data_parallel = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    serving_stack = serializers.CharField(
        required=False, allow_null=True, default=None, max_length=40, help_text="vllm | tensorrt-llm | static-dataflow"
    )
    power_limit_w = serializers.FloatField(
        required=False, allow_null=True, default=None, min_value=1, max_value=10_000, help_text="GPU power limit [W]"
    )

    def validate(self, attrs):
        ms = attrs.pop("tpot_target_ms", None)
        if ms is not None:
            if attrs.get("tpot_target_s") is not None:
                raise serializers.ValidationError(
                    {"tpot_target_ms": ["give tpot_target_ms or tpot_target_s, not both"]}
                )
            attrs["tpot_target_s"] = ms / 1e3
        return attrs


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    run = serializers.IntegerField(allow_null=True, help_text="the scenario run reported on (or null)")
    portfolio_run = serializers.IntegerField(allow_null=True, help_text="the portfolio run reported on (or null)")
    comparison_run = serializers.IntegerField(
        allow_null=True, help_text="the site-comparison run reported on (or null)"
    )
    study_run = serializers.IntegerField(allow_null=True, help_text="the study run reported on (or null)")
    kind = serializers.ChoiceField(choices=REPORT_KINDS)
    status = serializers.CharField(help_text="queued, running, ready or failed")
    waiting_for = serializers.CharField(help_text="what a queued or running report waits for")
    error = serializers.CharField()
    size_bytes = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.CharField(allow_null=True, help_text="the file, once status is ready")


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=REPORT_KINDS)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    created = serializers.DateTimeField()
