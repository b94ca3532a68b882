"""How one model copy is split over devices: tensor, expert, pipeline and data parallel degrees.

A replica is `tensor × pipeline` devices holding one copy of the weights:
- tensor (TP): every layer's matrices sliced over `tensor` devices; attention heads split, KV heads
  split while there are enough of them and replicated only beyond that (a device needs at least one);
  two all-reduces per layer of the b×h activations (one after attention, one after a dense FFN).
- expert (EP, MoE only, divides `tensor`): the experts of a MoE layer spread over `expert` devices of
  the tensor group (each expert sliced over tensor/expert devices); the MoE layer's all-reduce is
  replaced by an all-to-all dispatch and combine of the routed tokens.
- pipeline (PP): the layers split into `pipeline` stages of `tensor` devices; micro-batches flow
  through the stages, hand-offs of b×h activations between stages, a bubble while fewer micro-batches
  than stages are in flight. SRAM-only devices (Groq LPU) and pods serve large models this way.
- data (DP): independent model copies of the deployment unit; each replica is estimated alone and
  the unit serves `data` times its throughput at `data` times its power.

Defaults (every one overridable): tensor = the largest divisor of the devices that divides the
attention heads and stays within the device kind's tensor-parallel reach (data/serving_stacks.yaml
`tensor_parallel_reach`), pipeline = the rest; expert = 1 (experts sliced like dense matrices).
"""

from __future__ import annotations

from dataclasses import dataclass

from accelerators.catalog import AcceleratorSpec, ModelSpec

from .errors import EstimateError


@dataclass(frozen=True)
class Parallelism:
    tensor: int
    expert: int
    pipeline: int
    data: int = 1

    @property
    def devices(self) -> int:
        """Devices holding one model copy (one replica)."""
        return self.tensor * self.pipeline

    def to_dict(self) -> dict[str, int]:
        return {"tensor": self.tensor, "expert": self.expert, "pipeline": self.pipeline, "data": self.data}


def _check_int(field: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise EstimateError(field, f"must be a positive integer, got {value!r}")
    return int(value)


def _splits_heads(model: ModelSpec, d: int) -> bool:
    kv_ok = model.attention == "mla" or model.kv_heads % d == 0 or d % model.kv_heads == 0
    return model.attention_heads % d == 0 and kv_ok


def _default_tensor(model: ModelSpec, devices: int, reach: int) -> int:
    ok = [d for d in range(1, devices + 1) if devices % d == 0 and _splits_heads(model, d) and d <= reach]
    tensor = max(ok)
    while devices // tensor > model.layers:  # more stages than layers: widen the tensor group instead
        wider = [d for d in range(tensor + 1, devices + 1) if devices % d == 0 and _splits_heads(model, d)]
        if not wider:
            break
        tensor = wider[0]
    return tensor


def resolve_parallelism(
    *,
    model: ModelSpec,
    acc: AcceleratorSpec,
    devices: int,
    tensor: int | None,
    expert: int | None,
    pipeline: int | None,
    data: int | None,
    tensor_reach: int,
) -> Parallelism:
    """Degrees of parallelism for one replica of `devices` devices; refused with the field at fault."""
    t, e, p = _check_int("tensor_parallel", tensor), _check_int("expert_parallel", expert), None
    p = _check_int("pipeline_parallel", pipeline)
    d = _check_int("data_parallel", data) or 1
    if t is not None and p is not None and t * p != devices:
        raise EstimateError("devices", f"{devices} devices per replica ≠ tensor {t} × pipeline {p}")
    if t is None and p is not None:
        if devices % p:
            raise EstimateError("pipeline_parallel", f"{p} does not divide the {devices} devices of a replica")
        t = devices // p
    if t is None:
        t = _default_tensor(model, devices, tensor_reach)
    if devices % t:
        raise EstimateError("tensor_parallel", f"{t} does not divide the {devices} devices of a replica")
    p = devices // t
    if model.attention_heads % t:
        raise EstimateError(
            "tensor_parallel",
            f"{t} does not divide the {model.attention_heads} attention heads of {model.name}",
        )
    if t > model.kv_heads and t % model.kv_heads and model.attention != "mla":
        raise EstimateError(
            "tensor_parallel", f"{t} is not a multiple of the {model.kv_heads} KV heads of {model.name}"
        )
    if t < model.kv_heads and model.kv_heads % t and model.attention != "mla":
        raise EstimateError("tensor_parallel", f"{t} does not divide the {model.kv_heads} KV heads of {model.name}")
    if p > model.layers:
        raise EstimateError(
            "pipeline_parallel", f"{p} stages for the {model.layers} layers of {model.name} (at most one layer a stage)"
        )
    if e is None:
        e = 1
    if e > 1 and not model.is_moe:
        raise EstimateError("expert_parallel", f"{model.name} is dense: expert parallelism needs a mixture of experts")
    if t % e:
        raise EstimateError("expert_parallel", f"{e} does not divide the tensor-parallel group of {t} devices")
    if model.is_moe and model.experts % e:
        raise EstimateError("expert_parallel", f"{e} does not divide the {model.experts} experts of {model.name}")
    return Parallelism(tensor=t, expert=e, pipeline=p, data=d)
