"""Forms over the one scenario schema. Errors are attached to the field path they name."""

from __future__ import annotations

from typing import Any

from django import forms

from planner.engine.documents import DocumentError, load_json
from planner.engine.schema import ScenarioError, ScenarioSpec
from planner.scenarios.models import Organisation
from planner.scenarios.validation import scenario_validate


class ScenarioDocumentForm(forms.Form):
    """The whole scenario as one JSON document (the schema every face shares)."""

    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), empty_label=None)
    document = forms.CharField(
        label="Scenario (JSON, schema version 1)",
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations
        self.spec: ScenarioSpec | None = None
        self.field_errors: dict[str, list[str]] = {}

    def clean_document(self) -> dict[str, Any]:
        raw = self.cleaned_data["document"]
        try:
            data = load_json(raw)
        except DocumentError as error:
            raise forms.ValidationError(str(error)) from None
        try:
            organisation = self.cleaned_data.get("organisation")
            self.spec = scenario_validate(data, organisation_id=organisation.pk if organisation else None)
        except ScenarioError as error:
            self.field_errors = error.errors
            raise forms.ValidationError([f"{path}: {' '.join(msgs)}" for path, msgs in error.errors.items()]) from None
        return data
