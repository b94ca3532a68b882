"""A model that does not fit names a device count the engine accepts (issue 14: TP 3 is refused
for Llama 3.1 70B's 64 attention heads, so the hint must not suggest it)."""

import re

import pytest

from accelerators.efficiency import estimate
from accelerators.efficiency.errors import EstimateError


def test_the_hint_names_a_tensor_parallel_split_that_fits_and_is_accepted():
    with pytest.raises(EstimateError) as refused:
        estimate(model="llama-3.1-70b", accelerator="h100-sxm", devices=1, batch=8)
    # 141 GB of bf16 weights over 69.6 GB usable per H100 needs 3 devices by memory; 3 does not
    # divide 64 heads, so the hint is the next split the heads allow: 4.
    need = int(re.search(r"try --devices (\d+)", str(refused.value)).group(1))
    assert need == 4
    fitted = estimate(model="llama-3.1-70b", accelerator="h100-sxm", devices=need, batch=8)
    assert fitted.time_per_output_token_s > 0
