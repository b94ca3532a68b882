"""Upload an hourly file (weather, demand, carbon, price, system load) or a grid event schedule."""

from __future__ import annotations

from django import forms

from planner.scenarios.models import UploadKind

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class UploadForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, empty_label=None, label="Organisation")
    kind = forms.ChoiceField(label="What the file holds", choices=UploadKind.choices)
    name = forms.CharField(label="Name", max_length=200)
    file = forms.FileField(label="File (CSV with a header row; EPW for weather) [≤ 20 MB]")
    column = forms.CharField(label="Value column (blank: the only numeric column)", required=False, max_length=200)
    year = forms.IntegerField(
        label="Calendar year to take [year] (blank: the latest complete year)",
        required=False,
        min_value=1900,
        max_value=2100,
    )
    carbon_unit = forms.ChoiceField(
        label="Carbon intensity unit in the file",
        choices=[("g_per_kwh", "gCO2e/kWh"), ("kg_per_kwh", "kgCO2e/kWh (×1000)"), ("lb_per_mwh", "lbCO2/MWh")],
        required=False,
    )

    def __init__(self, *args, organisations=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"the file is {upload.size / 1e6:.1f} MB; the limit is 20 MB")
        return upload

    def scale(self) -> float:
        # 1 lb = 0.45359237 kg (exact, by definition); lb/MWh → g/kWh = 453.59237 / 1000.
        return {"kg_per_kwh": 1000.0, "lb_per_mwh": 0.45359237}.get(self.cleaned_data.get("carbon_unit") or "", 1.0)
