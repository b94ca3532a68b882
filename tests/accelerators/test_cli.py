"""`manage.py estimate`: JSON keys of issue 3, and a clear error with a non-zero exit."""

import json
import subprocess
import sys

from tests.conftest import ROOT

KEYS = {
    "batch_size",
    "time_per_output_token_s",
    "output_tokens_per_s",
    "accelerator_power_w",
    "accelerator_energy_per_output_token_j",
    "node_energy_per_output_token_j",
    "energy_per_request_j",
    "prefill_time_s",
    "bound",
    "kernels",
    "warnings",
}


def _run(*args):
    return subprocess.run(
        [sys.executable, "manage.py", "estimate", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_it_prints_the_issue_keys_as_json(tmp_path):
    model = tmp_path / "model.json"
    model.write_text(
        json.dumps(
            {
                "name": "tiny",
                "total_params": 1e9,
                "active_params": 1e9,
                "layers": 16,
                "hidden_size": 2048,
                "attention_heads": 16,
                "kv_heads": 4,
                "head_dim": 128,
                "ffn_size": 8192,
                "vocab_size": 32000,
            }
        )
    )
    done = _run(
        "--model",
        str(model),
        "--accelerator",
        "h100-sxm",
        "--batch",
        "8",
        "--sparsity",
        "2:4",
        "--tpot-target-ms",
        "50",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) >= KEYS
    assert out["batch_size"] == 8 and set(out["bound"]) == {"decode", "prefill"}


def test_it_exits_non_zero_with_a_clear_error():
    done = _run("--model", "meta-llama/Llama-3.1-405B-Instruct", "--accelerator", "h100-sxm", "--json")
    assert done.returncode != 0
    assert "does not fit" in done.stderr
    done = _run("--model", "qwen3-8b", "--accelerator", "h100", "--json")
    assert done.returncode != 0 and "h100-sxm" in done.stderr


def test_it_refuses_a_batch_above_the_scheduler_cap():
    """Issue 10: --batch 1e9 gave 97,222 s per token; the cap is max_batch_cap (calibration.yaml)."""
    done = _run("--model", "llama-3.1-8b", "--accelerator", "h100-sxm", "--batch", "1000000000", "--json")
    assert done.returncode == 2
    assert "must be 1 to 4,096 sequences" in done.stderr and "Traceback" not in done.stderr
