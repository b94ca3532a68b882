"""Time to first token limits the batch: prefill of the prompt + one decode step ≤ the target."""

import pytest

from accelerators.efficiency import EstimateError, power_curve

LLAMA_70B = "meta-llama/Llama-3.1-70B-Instruct"
ARGS = {
    "model": LLAMA_70B,
    "accelerator": "h100-sxm",
    "devices": 4,
    "weight_precision": "fp8",
    "input_tokens": 2000,
    "output_tokens": 300,
    "tpot_target_s": 0.1,
}


def test_it_keeps_the_first_token_within_the_target():
    free = power_curve(**ARGS)
    for target_s in (0.5, 0.3):
        bound = power_curve(**ARGS, ttft_target_s=target_s)
        assert bound.ttft_s <= target_s + 1e-9
        assert bound.max_batch <= free.max_batch


def test_it_shrinks_the_batch_as_the_target_tightens():
    free = power_curve(**ARGS)
    # Without a target the first token comes after the prefill and one step of the largest batch;
    # asking for 80% of that must cut the batch, and with it the replica's throughput.
    tight = power_curve(**ARGS, ttft_target_s=free.ttft_s * 0.8)
    assert tight.max_batch < free.max_batch
    assert tight.output_tokens_per_s[-1] < free.output_tokens_per_s[-1]


def test_it_names_an_unreachable_first_token_target():
    with pytest.raises(EstimateError) as caught:
        power_curve(**ARGS, ttft_target_s=0.001)
    assert caught.value.field == "ttft_target_s"
    assert "prefill of 2000 prompt tokens" in str(caught.value)
