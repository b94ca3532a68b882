"""A deployment's setup: everything an estimate needs that does not depend on the batch size.

One place assembles a deployment (engine.Request → _Setup): model, device, split, serving stack, power
limit, precision, memory footprint, the decode and prefill kernel tables with their precomputed
rooflines, and the prefill's standalone and marginal cost. Setups are shared between equal requests
(a least-recently-used cache of SETUP_CACHE_SIZE): a batch sweep, a what-if over latency targets or a
re-run of a scenario whose pools did not change reuse the setup instead of rebuilding it. A setup is
never changed once built (its arrays are read-only), so a shared setup gives bit-for-bit the figures
of a fresh one (tests/accelerators/test_engine_reference.py).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from accelerators.catalog import AcceleratorSpec, ModelSpec, get_accelerator, get_model

from .constants import DeviceConstants, device_constants, device_uncertainty, with_software_maturity
from .deployment import Parallelism, resolve_parallelism
from .errors import EstimateError
from .kernels import KernelTable, build_kernels
from .memory import Footprint, footprint
from .precision import Precision, Sparsity, resolve_precision, resolve_sparsity
from .results import kernel_breakdown
from .roofline import Roofline, StepResult
from .stacks import ServingStack, power_limit_warnings, resolve_power_limit, serving_stack, tensor_parallel_reach

SETUP_CACHE_SIZE = 512  # deployments whose batch-independent setup is kept (least recently used dropped)


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise EstimateError(name, f"must be a positive integer, got {value!r}")
    return int(value)


def _optional_positive_int(name: str, value: object) -> int | None:
    return None if value is None else _positive_int(name, value)


@dataclass(frozen=True)
class Request:
    """What a caller asks for, batch and latency targets aside: the one place a deployment is assembled."""

    model: ModelSpec | str | Mapping
    accelerator: AcceleratorSpec | str | Mapping
    devices: int = 1
    weight_precision: str | None = None
    kv_precision: str | None = None
    input_tokens: int = 150
    output_tokens: int = 350
    sparsity: str = "none"
    tensor_parallel: int | None = None
    expert_parallel: int | None = None
    pipeline_parallel: int | None = None
    data_parallel: int | None = None
    serving_stack: str | None = None
    power_limit_w: float | None = None


class _Setup:
    """Everything that does not depend on the batch size."""

    __slots__ = (
        "_prefill_parts",
        "acc",
        "curve_prefill",
        "decode_roofline",
        "dev",
        "devices",
        "extra_warnings",
        "fp",
        "grid_times",
        "inp",
        "limit_w",
        "model",
        "out",
        "par",
        "prec",
        "sp",
        "stack",
        "table",
        "uncertainty",
    )

    def __init__(
        self,
        req: Request,
        constants: DeviceConstants | None = None,
        stack_factors: Mapping[str, float] | ServingStack | None = None,
        *,
        specs: tuple[ModelSpec, AcceleratorSpec] | None = None,
        maturity: float | None = None,
    ):
        self.model, self.acc = specs or _resolve_specs(req)
        self.inp = _positive_int("input_tokens", req.input_tokens)
        self.out = _positive_int("output_tokens", req.output_tokens)
        self.par: Parallelism = resolve_parallelism(
            model=self.model,
            acc=self.acc,
            devices=_positive_int("devices", req.devices),
            tensor=req.tensor_parallel,
            expert=req.expert_parallel,
            pipeline=req.pipeline_parallel,
            data=req.data_parallel,
            tensor_reach=tensor_parallel_reach(self.acc),
        )
        self.devices = self.par.devices
        self.stack: ServingStack = serving_stack(req.serving_stack, self.acc)
        if isinstance(stack_factors, ServingStack):  # the calibration's trial stack (factors and set values)
            self.stack = stack_factors
        elif stack_factors is not None:  # what-if / calibration of the stack's factors
            self.stack = dataclasses.replace(self.stack, factors=tuple(stack_factors.items()))
        self.limit_w = resolve_power_limit(self.acc, req.power_limit_w)
        self.extra_warnings = power_limit_warnings(self.acc, req.power_limit_w, self.stack)
        self.dev: DeviceConstants = (
            with_software_maturity(self.stack.apply(constants or device_constants(self.acc)), self.acc, maturity)
            if constants is not None or stack_factors is not None or maturity is not None
            else _catalog_constants(self.acc, self.stack)
        )
        if self.limit_w <= min(self.acc.idle_power_w, self.dev.static_power_w):
            raise EstimateError("power_limit_w", f"{self.limit_w:g} W leaves no power above idle on {self.acc.slug}")
        self.uncertainty = device_uncertainty(self.acc)
        self.prec: Precision = resolve_precision(
            accelerator=self.acc,
            weight_precision=req.weight_precision or self.model.weight_precision,
            kv_precision=req.kv_precision,
        )
        self.sp: Sparsity = resolve_sparsity(accelerator=self.acc, sparsity=req.sparsity)
        self.fp: Footprint = footprint(
            model=self.model,
            acc=self.acc,
            prec=self.prec,
            sparsity=self.sp,
            parallelism=self.par,
            context_tokens=self.inp + self.out,
            mean_context_tokens=self.inp + self.out / 2.0,
            kv_free_frac=self.stack.kv_free_frac,
        )
        self.table: KernelTable = self._kernels(context_tokens=self.inp + self.out / 2.0, prefill=False)
        self.decode_roofline = Roofline(self.table, acc=self.acc, dev=self.dev, power_limit_w=self.limit_w)
        prefill_table = self._kernels(context_tokens=(self.inp + 1) / 2.0, prefill=True)
        # Column 0: standalone prefill (time to first token at no load); column 1: its marginal cost
        # inside the decode steps (chunked prefill: the weights are already streamed by the step).
        both = Roofline(prefill_table, acc=self.acc, dev=self.dev, power_limit_w=self.limit_w).evaluate(
            np.array([float(self.inp), float(self.inp)]),
            sequences=np.zeros(2),
            weight_scale=np.array([1.0, 0.0]),
        )
        _read_only(self.table, prefill_table, both)  # (the columns below are views: read-only too)
        self.curve_prefill = (_column(both, 0), _column(both, 1), prefill_table)
        self.grid_times: dict[int, np.ndarray] = {}  # decode step times on _grid(limit, 48), by limit
        self._prefill_parts: tuple[tuple[float, ...], str, tuple[dict, ...]] | None = None

    def prefill_parts(self) -> tuple[tuple[float, ...], str, tuple[dict, ...]]:
        """What every estimate of this deployment shares: the prefill's split sums (unscaled, the order of
        _SPLIT), its bound and its kernel rows; computed on the first estimate (power curves need none)."""
        if self._prefill_parts is None:
            pre_alone, pre_marg, prefill_table = self.curve_prefill
            self._prefill_parts = (
                _split_sums(pre_marg),
                _bound(pre_alone),
                tuple(kernel_breakdown(prefill_table, pre_alone, "prefill")),
            )
        return self._prefill_parts

    def _kernels(self, *, context_tokens: float, prefill: bool) -> KernelTable:
        return build_kernels(
            model=self.model,
            acc=self.acc,
            dev=self.dev,
            prec=self.prec,
            sparsity=self.sp,
            parallelism=self.par,
            context_tokens=context_tokens,
            prefill=prefill,
        )

    def decode(self, batch: np.ndarray) -> StepResult:
        return self.decode_roofline.evaluate(batch)

    def warnings(self) -> list[str]:
        return [*self.prec.warnings, *self.sp.warnings, *self.extra_warnings]


def _resolve_specs(req: Request) -> tuple[ModelSpec, AcceleratorSpec]:
    try:
        return get_model(req.model), get_accelerator(req.accelerator)
    except ValueError as exc:
        raise EstimateError("model" if "model" in str(exc) else "accelerator", str(exc)) from exc


_REQUEST_FIELDS = tuple(f for f in Request.__dataclass_fields__ if f not in ("model", "accelerator"))
_ACCELERATOR_FIELDS = tuple(AcceleratorSpec.__dataclass_fields__)
_setups: OrderedDict[tuple, _Setup] = OrderedDict()
_setups_lock = threading.Lock()


_accelerator_keys: dict[int, tuple[AcceleratorSpec, tuple]] = {}  # id → (the spec itself, its key)


def _accelerator_key(acc: AcceleratorSpec) -> tuple:
    """Every figure of the device (its mappings as sorted pairs): equal keys, equal devices.
    Memoised by identity for the catalog's own specs (the entry holds the spec, so its id stays its own)."""
    known = _accelerator_keys.get(id(acc))
    if known is not None and known[0] is acc:
        return known[1]
    values = (getattr(acc, f) for f in _ACCELERATOR_FIELDS)
    key = tuple(tuple(sorted(v.items())) if isinstance(v, Mapping) else v for v in values)
    if len(_accelerator_keys) >= 64:  # user-supplied specs come and go: keep the memo small
        _accelerator_keys.clear()
    _accelerator_keys[id(acc)] = (acc, key)
    return key


def _setup(req: Request) -> _Setup:
    """The setup of a request, shared by equal requests (least-recently-used cache of SETUP_CACHE_SIZE).

    A setup is never changed once built (its arrays are read-only), so sharing it gives the same
    figures as building it afresh; only the catalog's own constants are used (explicit constants or stack
    factors — the calibration — build their own). Field values are keyed with their type, so that
    `True` is not taken for `1` and validation errors stay what they were."""
    specs = _resolve_specs(req)
    try:
        fields = ((type(v), v) for v in (getattr(req, f) for f in _REQUEST_FIELDS))
        key = (specs[0], _accelerator_key(specs[1]), *fields)
        hash(key)
    except TypeError:  # an unhashable value somewhere: no sharing (and _Setup reports what is wrong with it)
        return _Setup(req, specs=specs)
    with _setups_lock:
        setup = _setups.get(key)
        if setup is not None:
            _setups.move_to_end(key)
            return setup
    setup = _Setup(req, specs=specs)
    with _setups_lock:
        _setups[key] = setup
        while len(_setups) > SETUP_CACHE_SIZE:
            _setups.popitem(last=False)
    return setup


def clear_setup_cache() -> None:
    """Forget every shared setup (benchmarks of the cold path). The device constants stay memoised, as the
    catalog and calibration files they come from stay loaded (functools.cache) for the process's life."""
    with _setups_lock:
        _setups.clear()


def _read_only(*objects: object) -> None:
    """Make the arrays of frozen dataclasses read-only: a setup is shared and never changed once built."""
    for obj in objects:
        for value in vars(obj).values():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)


_constants: dict[tuple, DeviceConstants] = {}


def _catalog_constants(acc: AcceleratorSpec, stack: ServingStack) -> DeviceConstants:
    """The device's catalog constants (calibrated or transferred) under a stack's factors, memoised."""
    key = (_accelerator_key(acc), stack)
    dev = _constants.get(key)
    if dev is None:
        dev = with_software_maturity(stack.apply(device_constants(acc)), acc)
        if len(_constants) >= 256:
            _constants.clear()
        _constants[key] = dev
    return dev


def _column(step: StepResult, i: int) -> StepResult:
    """One batch column of a StepResult, kept 2-D/1-D like a single-batch evaluation."""
    sl = slice(i, i + 1)
    return StepResult(**{f: (v[:, sl] if v.ndim == 2 else v[sl]) for f, v in vars(step).items()})


_SPLIT = ("arithmetic", "data_movement", "serving_overhead", "static")


def _split_sums(step: StepResult) -> tuple[float, float, float, float]:
    """Arithmetic / data movement (HBM, links) / serving overhead (scheduling, sampling, bookkeeping work
    outside the roofline kernels) / static energy of column 0 (the order of _SPLIT)."""
    return (
        float(step.arithmetic_energy_j[:, 0].sum()),
        float(step.data_movement_energy_j[:, 0].sum()),
        float(step.overhead_energy_j[0]),
        float(step.static_energy_j[0]),
    )


def _scaled(sums: tuple[float, ...], *, scale: float) -> dict[str, float]:
    return {k: v * scale for k, v in zip(_SPLIT, sums, strict=True)}


def _bound(step: StepResult) -> str:
    if step.throttled[0]:
        return "power"
    t = step.kernel_time_s[:, 0]
    compute = float(t[step.compute_bound[:, 0]].sum())
    return "compute" if compute > 0.5 * float(t.sum()) else "memory"
