"""`manage.py estimate`: JSON estimate of one replica (thin wrapper over accelerators.efficiency)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accelerators.catalog import CatalogError
from accelerators.efficiency import EstimateError, estimate
from accelerators.efficiency.constants import serving_value
from planner.engine.documents import DocumentError, read_json_file


def _ref(value: str, what: str):
    """A catalog slug / HF id, or a JSON file describing the entry."""
    path = Path(value)
    if value.lower().endswith(".json") or path.is_file():
        try:
            return read_json_file(path)  # bounded, UTF-8, the JSON guard (planner/engine/documents.py)
        except DocumentError as exc:
            raise CommandError(f"--{what}: {value}: {exc}", returncode=2) from None
    return value


class Command(BaseCommand):
    requires_system_checks = []  # pure computation: no database, URLs or models needed
    help = "Estimate time, power and energy per token of an LLM on an accelerator (prints JSON with --json)."

    def add_arguments(self, parser):
        parser.add_argument("--model", required=True, help="HF id, slug, or JSON file (issue-3 model schema)")
        parser.add_argument("--accelerator", required=True, help="slug (e.g. h100-sxm) or JSON file")
        parser.add_argument("--devices", type=int, default=1)
        parser.add_argument("--weight-precision", default=None)
        parser.add_argument("--kv-precision", default=None)
        parser.add_argument("--batch", type=int, default=None)
        parser.add_argument("--input-tokens", type=int, default=150)
        parser.add_argument("--output-tokens", type=int, default=350)
        parser.add_argument("--sparsity", default="none", help="none | 2:4 | unstructured:F")
        parser.add_argument("--tpot-target-ms", type=float, default=None)
        parser.add_argument("--tensor-parallel", type=int, default=None)
        parser.add_argument("--expert-parallel", type=int, default=None)
        parser.add_argument("--pipeline-parallel", type=int, default=None)
        parser.add_argument("--data-parallel", type=int, default=None)
        parser.add_argument("--serving-stack", default=None, help="vllm | tensorrt-llm | vllm-rocm | static-dataflow")
        parser.add_argument("--power-limit-w", type=float, default=None, help="GPU power limit per device [W]")
        parser.add_argument("--json", action="store_true", help="print the full JSON object")

    def handle(self, *args, **opts):
        tpot = opts["tpot_target_ms"]
        # The same maximum as the estimate API: the engine's scheduler cap (calibration.yaml).
        max_batch = int(serving_value("max_batch_cap"))
        if opts["batch"] is not None and not 1 <= opts["batch"] <= max_batch:
            raise CommandError(
                f"--batch {opts['batch']}: must be 1 to {max_batch:,} sequences (the scheduler cap max_batch_cap "
                "in accelerators/data/calibration.yaml)",
                returncode=2,
            )
        try:
            result = estimate(
                model=_ref(opts["model"], "model"),
                accelerator=_ref(opts["accelerator"], "accelerator"),
                devices=opts["devices"],
                weight_precision=opts["weight_precision"],
                kv_precision=opts["kv_precision"],
                batch=opts["batch"],
                input_tokens=opts["input_tokens"],
                output_tokens=opts["output_tokens"],
                sparsity=opts["sparsity"],
                tpot_target_s=None if tpot is None else tpot / 1e3,
                tensor_parallel=opts["tensor_parallel"],
                expert_parallel=opts["expert_parallel"],
                pipeline_parallel=opts["pipeline_parallel"],
                data_parallel=opts["data_parallel"],
                serving_stack=opts["serving_stack"],
                power_limit_w=opts["power_limit_w"],
            )
        except (EstimateError, CatalogError) as exc:
            raise CommandError(str(exc)) from exc
        d = result.to_dict()
        if opts["json"]:
            self.stdout.write(json.dumps(d))
            return
        for key in (
            "batch_size",
            "time_per_output_token_s",
            "output_tokens_per_s",
            "accelerator_power_w",
            "accelerator_energy_per_output_token_j",
            "node_energy_per_output_token_j",
            "energy_per_request_j",
            "prefill_time_s",
            "bound",
            "serving_stack",
            "power_limit_w",
            "parallelism",
            "serving_overhead_j",
            "uncertainty",
        ):
            self.stdout.write(f"{key}: {d[key]}")
        band = d["uncertainty"]
        if band and "throughput" in band:  # held-out p10-p90 of measured / engine (data/calibration.yaml bands)
            tp, en = band["throughput"], band["energy"]
            self.stdout.write(
                f"p10-p90 (held-out residuals, {band['source']}): output tokens/s "
                f"{d['output_tokens_per_s'] * tp['p10']:,.0f}-{d['output_tokens_per_s'] * tp['p90']:,.0f}; "
                f"accelerator J/output token {d['accelerator_energy_per_output_token_j'] * en['p10']:.4g}-"
                f"{d['accelerator_energy_per_output_token_j'] * en['p90']:.4g}; devices for a fixed load "
                f"x{1 / tp['p90']:.2f}-x{1 / tp['p10']:.2f}"
            )
        for w in d["warnings"]:
            self.stdout.write(f"warning: {w}")
