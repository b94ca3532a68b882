"""OpenAPI details: the standard error answers on every operation, and the one scenario schema
(pydantic's JSON Schema of ``ScenarioSpec``, turned into OpenAPI 3.0 components)."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

from planner.api.errors import ErrorSerializer
from planner.engine.schema import ScenarioSpec

_ERRORS_ALWAYS = ("401", "403", "429")
_ERRORS_WITH_BODY_OR_QUERY = ("400",)
_ERRORS_WITH_A_BODY = ("413", "415")
_PREFIX = "Scenario"


class PlannerAutoSchema(AutoSchema):
    """Adds the error answers every API operation can give, all with the one error body."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        # 404 everywhere: an unknown id, an id of another organisation, or a page past the last.
        codes = [*_ERRORS_ALWAYS, *_ERRORS_WITH_BODY_OR_QUERY, "404"]
        if self.method in {"POST", "PUT", "PATCH"}:  # a body too large, or of a type the API does not read
            codes += list(_ERRORS_WITH_A_BODY)
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return responses


def _oas30(node: Any) -> Any:
    """JSON Schema 2020-12 (pydantic) → OpenAPI 3.0 schema object."""
    if isinstance(node, list):
        return [_oas30(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _oas30(value) for key, value in node.items() if key != "$defs"}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace("#/$defs/", f"#/components/schemas/{_PREFIX}")
        if len(out) > 1:
            ref = out.pop("$ref")
            out["allOf"] = [{"$ref": ref}]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(bound), int | float) and not isinstance(out.get(bound), bool):
            out[flag] = out.pop(bound)
            out[bound] = True
    if "anyOf" in out:
        members = [m for m in out["anyOf"] if m != {"type": "null"}]
        if len(members) < len(out["anyOf"]):
            out["nullable"] = True
            if len(members) == 1:
                del out["anyOf"]
                only = members[0]
                out.update({"allOf": [only]} if "$ref" in only else only)
            else:
                out["anyOf"] = members
    return out


@cache
def scenario_components() -> dict[str, dict[str, Any]]:
    """Component name → OpenAPI 3.0 schema; ``ScenarioDocument`` is the whole scenario."""
    raw = ScenarioSpec.model_json_schema(mode="validation")
    components = {f"{_PREFIX}{name}": _oas30(schema) for name, schema in raw.get("$defs", {}).items()}
    document = _oas30(raw)
    document["description"] = (
        "The one scenario schema (planner.engine.schema.ScenarioSpec); units in field names. "
        "Errors name the field path, e.g. workloads[1].peak_requests_per_s."
    )
    components["ScenarioDocument"] = document
    return components


class ScenarioDocumentFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "planner.api.serializers.ScenarioDocumentField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        for name, schema in scenario_components().items():
            # A fresh copy each time: drf-spectacular's enum post-processing edits schemas in place.
            component = ResolvedComponent(
                name=name, type=ResolvedComponent.SCHEMA, object=name, schema=copy.deepcopy(schema)
            )
            auto_schema.registry.register_on_missing(component)
        return {"$ref": "#/components/schemas/ScenarioDocument"}
