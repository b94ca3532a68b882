"""Chunked local attention (Llama 4) reads fewer keys than a sliding window of the same length."""

import pytest

from accelerators.catalog import get_model
from accelerators.efficiency import estimate
from accelerators.efficiency.kernels import chunked_attention_context


def test_it_matches_a_hand_count_of_chunked_positions():
    # W = 4, T = 10 prompt tokens: positions attend to 1,2,3,4, 1,2,3,4, 1,2 tokens → mean 2.3.
    mean_context = (10 + 1) / 2  # the engine passes the mean position, T = 2·ctx − 1
    assert chunked_attention_context(context_tokens=mean_context, chunk_tokens=4, prefill=True) == pytest.approx(2.3)
    # Decode: the whole context while it fits one chunk, then half a chunk on average.
    assert chunked_attention_context(context_tokens=3000, chunk_tokens=8192, prefill=False) == 3000
    assert chunked_attention_context(context_tokens=50_000, chunk_tokens=8192, prefill=False) == 4096


def test_it_reads_less_kv_for_long_contexts_than_the_same_window_sliding():
    scout = get_model("meta-llama/Llama-4-Scout-17B-16E-Instruct")
    assert scout.local_attention == "chunked" and scout.sliding_window == 8192
    sliding = {**scout.__dict__, "local_attention": "sliding", "slug": "scout-sliding", "aliases": ()}
    args = {"accelerator": "h100-sxm", "devices": 8, "batch": 16, "input_tokens": 60_000, "output_tokens": 500}
    chunked_step = estimate(model=scout, **args).time_per_output_token_s
    sliding_step = estimate(model=sliding, **args).time_per_output_token_s
    assert chunked_step < sliding_step
    short = {**args, "input_tokens": 1000}
    assert estimate(model=scout, **short).time_per_output_token_s == pytest.approx(
        estimate(model=sliding, **short).time_per_output_token_s
    )
