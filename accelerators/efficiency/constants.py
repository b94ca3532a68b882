"""Per-device energy/efficiency constants (calibrated or transferred) from data/calibration.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from accelerators.catalog import DATA_DIR, AcceleratorSpec, get_accelerator


@dataclass(frozen=True)
class DeviceConstants:
    static_power_w: float  # power drawn while serving, independent of work done [W]
    memory_pj_per_byte: float  # main-memory (HBM/GDDR/SRAM) energy per byte moved [pJ/B]
    pj_per_flop_bf16: float  # arithmetic energy at bf16 [pJ/FLOP]
    link_pj_per_byte: float  # interconnect energy per byte sent [pJ/B]
    gemm_memory_frac: float  # achieved / peak bandwidth, dense GEMM/GEMV
    moe_memory_frac: float  # grouped expert GEMM
    attention_memory_frac: float  # paged attention over the KV cache
    elementwise_memory_frac: float  # norms, activations, residuals
    compute_frac: float  # achieved / peak FLOP/s for compute-bound kernels
    kernel_launch_s: float  # fixed latency per kernel [s]
    step_overhead_s: float  # fixed per decode step (scheduler, sampling launch) [s]
    per_sequence_overhead_s: float  # per sequence per step (sampling, bookkeeping) [s]
    collective_latency_s: float  # latency of one all-reduce [s]
    overhead_power_w: float  # dynamic power above static during the overhead time [W]
    # achieved fraction of the 8-bit peak relative to compute_frac at 16 bits (scaled FP8/INT8 GEMMs)
    narrow_compute_ratio: float
    calibrated: bool
    method: str
    # 1: 8-bit activations are quantised by kernels of their own (vLLM); 0: fused into the previous kernel
    separate_activation_quant: float = 1.0


_FIELDS = [
    f for f in DeviceConstants.__dataclass_fields__ if f not in ("calibrated", "method", "separate_activation_quant")
]


PJ_UNIT = 1e-12
GEMM_FRAC_AT_POWER_LIMIT = 0.7  # a large dense GEMM sustains ~70% of peak at the power limit [assumption]


def max_pj_per_flop(acc: AcceleratorSpec, static_power_w: float) -> float:
    """Energy per bf16 FLOP [J] that puts a GEMM at 70% of peak exactly at the power limit."""
    peaks = acc.peak_dense_flops_per_s
    bf16 = peaks.get("bf16") or peaks.get("fp16") or max(peaks.values())
    return (acc.power_limit_w - static_power_w) / (bf16 * GEMM_FRAC_AT_POWER_LIMIT)


@cache
def calibration_data() -> dict:
    return yaml.safe_load((DATA_DIR / "calibration.yaml").read_text())


def serving_value(key: str) -> float:
    return float(calibration_data()["serving"][key]["value"])


def sparsity_value(key: str) -> float:
    return float(calibration_data()["sparsity"][key]["value"])


def _from_entry(entry: dict) -> DeviceConstants:
    return DeviceConstants(
        **{k: float(entry[k]) for k in _FIELDS}, calibrated=bool(entry.get("calibrated")), method=entry["method"]
    )


def device_constants(accelerator: AcceleratorSpec) -> DeviceConstants:
    """Calibrated constants of this device, or ones transferred from the reference device."""
    data = calibration_data()
    entry = data["devices"].get(accelerator.slug)
    if entry is not None:
        return _from_entry(entry)
    return _transferred(accelerator)


def _transferred(acc: AcceleratorSpec) -> DeviceConstants:
    rule = calibration_data()["transfer"]
    return transferred_from(acc, _from_entry(calibration_data()["devices"][rule["from"]]))


def _value(entry: object) -> float:
    return float(entry["value"] if isinstance(entry, dict) else entry)  # type: ignore[index,arg-type]


def transferred_from(acc: AcceleratorSpec, ref: DeviceConstants) -> DeviceConstants:
    """Constants of an uncalibrated device from the reference device's, by physics (data/calibration.yaml
    `transfer`): energy per FLOP scaled by process node (and fabric: FPGA), energy per byte by memory
    technology, static and overhead power as the same fraction of the board limit (or a sibling's, for
    the same silicon at a higher limit); kernel efficiencies and overhead times as the reference's."""
    rule = calibration_data()["transfer"]
    ref_acc = get_accelerator(rule["from"])
    ratios = rule["memory_pj_per_byte_ratio"]
    mem_ratio = _value(ratios.get(acc.memory_type, 1.0)) / _value(ratios.get(ref_acc.memory_type, 1.0))
    values = {k: getattr(ref, k) for k in _FIELDS}
    device = rule["devices"].get(acc.slug, {})
    power_w = acc.power_limit_w
    if device.get("same_silicon_as"):  # the same die at a higher board limit: the same static power
        power_w = get_accelerator(device["same_silicon_as"]).power_limit_w
    values["static_power_w"] = ref.static_power_w / ref_acc.power_limit_w * power_w
    values["overhead_power_w"] = ref.overhead_power_w / ref_acc.power_limit_w * power_w
    values["memory_pj_per_byte"] = ref.memory_pj_per_byte * mem_ratio
    nodes = rule["node_energy_factor"]
    ref_node = rule["devices"][rule["from"]]["process_node"]
    node = device.get("process_node", ref_node)
    fabric = _value(rule["fabric_energy_factor"].get(acc.kind, 1.0))
    pj = ref.pj_per_flop_bf16 * _value(nodes[node]) / _value(nodes[ref_node]) * fabric
    # A device's rated peak is sustainable near its board limit: energy per FLOP cannot exceed what puts
    # a 70%-of-peak GEMM exactly at the limit (else the datasheet peak would be unreachable).
    values["pj_per_flop_bf16"] = min(pj, max_pj_per_flop(acc, values["static_power_w"]) / PJ_UNIT)
    return DeviceConstants(**values, calibrated=False, method=f"transferred from {rule['from']}: {rule['reason']}")


def transfer_uncertainty() -> dict[str, float]:
    """p10/p90 multipliers on energy per token for devices whose constants are transferred, not fitted."""
    band = calibration_data()["transfer"]["uncertainty"]
    return {"p10": float(band["p10"]["value"]), "p90": float(band["p90"]["value"])}
