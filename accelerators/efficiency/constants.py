"""Per-device energy/efficiency constants (calibrated or transferred) from data/calibration.yaml."""

from __future__ import annotations

import dataclasses
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
    # the same for grouped expert GEMMs (vLLM's fused-MoE FP8 kernels): kept apart so that an MoE kernel's
    # penalty does not leak into dense models (issue 17)
    moe_narrow_compute_ratio: float
    calibrated: bool
    method: str
    # 1: 8-bit activations are quantised by kernels of their own (vLLM); 0: fused into the previous kernel
    separate_activation_quant: float = 1.0
    # share of the norm/residual/activation traffic left after kernel fusion (1: separate kernels, as vLLM's
    # eager norms; a stack that fuses residual add + RMSNorm (+ quantisation) into the GEMM epilogues moves less)
    elementwise_bytes_frac: float = 1.0
    # share of memory-bound kernel time that is bound by the SM clock (request issue, latency), so stretches ∝ 1/f
    # under a power limit: one figure for every device (data/calibration.yaml `clock_bound_memory_frac`)
    clock_bound_memory_frac: float = 0.0
    # supply voltage vs clock above the voltage floor, V/V0 = 1 − s·(1 − f): a chip property, one figure for
    # every device (data/calibration.yaml `voltage_slope`), fitted on MLPerf MaxP vs MaxQ
    voltage_slope: float = 1.0
    # rows each local expert's token group is padded to in the 8-bit grouped expert GEMM, sized for the worst
    # case: b·k + E_local·(rows − 1) rows per MoE layer (vLLM's DeepGEMM contiguous layout; 0: no padding
    # modelled): a stack property (data/calibration.yaml `moe_narrow_group_rows`; optimised stacks set their own)
    moe_narrow_group_rows: float = 0.0


_STACK_ONLY = (
    "calibrated",
    "method",
    "separate_activation_quant",
    "elementwise_bytes_frac",
    "clock_bound_memory_frac",
    "voltage_slope",
    "moe_narrow_group_rows",
)
_FIELDS = [f for f in DeviceConstants.__dataclass_fields__ if f not in _STACK_ONLY]


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


def _clock_bound_memory_frac() -> float:
    return _value(calibration_data()["clock_bound_memory_frac"])


def _from_entry(entry: dict) -> DeviceConstants:
    return DeviceConstants(
        **{k: float(entry[k]) for k in _FIELDS},
        calibrated=bool(entry.get("calibrated")),
        method=entry["method"],
        clock_bound_memory_frac=_clock_bound_memory_frac(),
        voltage_slope=_value(calibration_data()["voltage_slope"]),
        moe_narrow_group_rows=_value(calibration_data()["moe_narrow_group_rows"]),
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
    if device.get("same_silicon_as"):
        # the same dies with other memory and another board limit: every constant the sibling's (calibrated or
        # transferred), only the energy per byte of its memory technology differs (consistent by construction)
        sibling_acc = get_accelerator(device["same_silicon_as"])
        sibling = device_constants(sibling_acc)
        sib_ratio = _value(ratios.get(sibling_acc.memory_type, 1.0)) / _value(ratios.get(ref_acc.memory_type, 1.0))
        return dataclasses.replace(
            sibling,
            memory_pj_per_byte=sibling.memory_pj_per_byte / sib_ratio * mem_ratio,
            calibrated=False,
            method=f"same silicon as {sibling_acc.slug} (constants shared; memory energy by its own memory type)",
        )
    power_w = acc.power_limit_w
    values["static_power_w"] = ref.static_power_w / ref_acc.power_limit_w * power_w
    # overhead power: the reference's share of the headroom above static (never past the board limit)
    headroom = ref.overhead_power_w / max(ref_acc.power_limit_w - ref.static_power_w, 1e-9)
    values["overhead_power_w"] = headroom * (acc.power_limit_w - values["static_power_w"])
    values["memory_pj_per_byte"] = ref.memory_pj_per_byte * mem_ratio
    nodes = rule["node_energy_factor"]
    ref_node = rule["devices"][rule["from"]]["process_node"]
    node = device.get("process_node", ref_node)
    fabric = _value(rule["fabric_energy_factor"].get(acc.kind, 1.0))
    pj = ref.pj_per_flop_bf16 * _value(nodes[node]) / _value(nodes[ref_node]) * fabric
    # A device's rated peak is sustainable near its board limit: energy per FLOP cannot exceed what puts
    # a 70%-of-peak GEMM exactly at the limit (else the datasheet peak would be unreachable).
    values["pj_per_flop_bf16"] = min(pj, max_pj_per_flop(acc, values["static_power_w"]) / PJ_UNIT)
    return DeviceConstants(
        **values,
        calibrated=False,
        method=f"transferred from {rule['from']}: {rule['reason']}",
        clock_bound_memory_frac=ref.clock_bound_memory_frac,
        voltage_slope=ref.voltage_slope,
    )


def transfer_uncertainty() -> dict[str, float]:
    """p10/p90 multipliers on energy per token for devices whose constants are transferred, not fitted
    (the `transfer` band of data/calibration.yaml `bands`, derived from held-out transfer residuals)."""
    band = calibration_data().get("bands", {}).get("transfer")
    if band is None:
        old = calibration_data()["transfer"]["uncertainty"]
        return {"p10": float(old["p10"]["value"]), "p90": float(old["p90"]["value"])}
    return {"p10": float(band["energy"]["p10"]), "p90": float(band["energy"]["p90"])}


def device_uncertainty(acc: AcceleratorSpec) -> dict:
    """The device's p10/p90 multipliers (measured / engine) on throughput and on energy per token, from
    held-out residuals (data/calibration.yaml `bands`: its own rows where it has some, else the transfer band);
    `p10`/`p90` at the top level are the energy band (what a power-only consumer scales)."""
    table = calibration_data().get("bands", {})
    band = table.get(acc.slug) or table.get("transfer")
    if band is None:
        return {**transfer_uncertainty(), "source": "transfer"}
    energy = {k: float(band["energy"][k]) for k in ("p10", "p90")}
    return {
        **energy,
        "energy": energy,
        "throughput": {k: float(band["throughput"][k]) for k in ("p10", "p90")},
        "source": acc.slug if acc.slug in table else "transfer",
    }


_KERNEL_EFFICIENCIES = ("compute_frac", "gemm_memory_frac", "moe_memory_frac", "attention_memory_frac")


def software_maturity(acc: AcceleratorSpec) -> float:
    """Kernel efficiency of the device vendor's software relative to NVIDIA's (data/calibration.yaml
    `transfer.software_maturity`; AMD fitted on MLPerf v4.1 MI300X rows, others marked assumption)."""
    table = calibration_data()["transfer"]["software_maturity"]
    vendor = acc.name.split()[0]
    return _value(table.get(vendor, table["default"]))


def with_software_maturity(
    dev: DeviceConstants, acc: AcceleratorSpec, maturity: float | None = None
) -> DeviceConstants:
    """An uncalibrated device's kernel efficiencies (after its serving stack) × its vendor's software maturity;
    calibrated devices are measured with their own software and keep their constants."""
    if dev.calibrated:
        return dev
    m = software_maturity(acc) if maturity is None else float(maturity)
    if m == 1.0:
        return dev
    values = {k: getattr(dev, k) * m for k in _KERNEL_EFFICIENCIES}
    return dataclasses.replace(dev, **values)
