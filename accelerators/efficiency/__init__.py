"""Kernel-level inference efficiency engine (pure Python + NumPy, no Django).

estimate(*, model, accelerator, devices=1, weight_precision=None, kv_precision=None, batch=None,
         input_tokens=150, output_tokens=350, sparsity="none", tpot_target_s=None) -> Estimate
power_curve(*, model, accelerator, devices=1, weight_precision=None, kv_precision=None,
            input_tokens=150, output_tokens=350, sparsity="none", tpot_target_s=None) -> PowerCurve
"""

from .engine import estimate, power_curve
from .errors import EstimateError
from .results import Estimate, PowerCurve

__all__ = ["Estimate", "EstimateError", "PowerCurve", "estimate", "power_curve"]
