"""Forms over the one scenario schema: the structured editor, the JSON document, uploads."""

from planner.scenarios.forms.document import ScenarioDocumentForm
from planner.scenarios.forms.editor import (
    HardwareForm,
    ScenarioMainForm,
    WorkloadForm,
    editor_forms,
)
from planner.scenarios.forms.upload import UploadForm

__all__ = [
    "HardwareForm",
    "ScenarioDocumentForm",
    "ScenarioMainForm",
    "UploadForm",
    "WorkloadForm",
    "editor_forms",
]
