"""The calibration report (`manage.py calibration_report`): every held-out error of the engine, one place.

1. ML.ENERGY v3 (vLLM; H100, B200): leave-one-model-out — each model's rows, every configuration of it
   (precisions, splits, batches), predicted by constants fitted without them — per model, per family
   (dense / MoE) and per accelerator; then in-sample for contrast.
2. MLPerf (optimised stacks): leave one accelerator out and leave one scenario (Offline / Server) out,
   throughput and wall energy, per accelerator, stack and family; in-sample; MaxP / MaxQ ratios.
3. Fitted constants on a bound of their physical range, each with the mechanism written in
   data/calibration.yaml `at_bound` (a constant on a bound without one is flagged).
4. Coverage of the shipped uncertainty bands on the held-out rows.
Pure (no Django): `python -m accelerators.calibration_report`.
"""

from __future__ import annotations

from accelerators import calibration as cal
from accelerators import calibration_bands as bands
from accelerators import calibration_stacks as cs
from accelerators.catalog import get_accelerator
from accelerators.efficiency.constants import calibration_data, device_constants

MOE_GROUPS = ("Qwen/Qwen3-30B-A3B-Instruct-2507", "Qwen/Qwen3-235B-A22B-Instruct-2507")


def _family(group: str) -> str:
    return "MoE" if group in MOE_GROUPS or "A3B" in group or "A22B" in group else "dense"


def _table(title: str, errs: list[dict], by) -> None:
    print(f"\n{title}")
    print(f"  {'':44s} {'rows':>4s}  {'energy med/p90/worst %':>24s}  {'ITL med/p90/worst %':>22s}")
    for g in [*sorted({by(e) for e in errs}), "ALL"]:
        sub = [e for e in errs if g == "ALL" or by(e) == g]
        se = cal.summary(sub, "energy")
        line = (
            f"  {g[:44]:44s} {len(sub):4d}  {100 * se['median']:6.1f} {100 * se['p90']:6.1f} {100 * se['worst']:6.1f}"
        )
        if any(e["itl"] is not None for e in sub):
            st = cal.summary(sub, "itl")
            line += f"    {100 * st['median']:6.1f} {100 * st['p90']:6.1f} {100 * st['worst']:6.1f}"
        print(line)


def on_bound() -> list[tuple[str, str, float, str]]:
    """(owner, constant, value, mechanism or '') for every fitted constant within 1 % of a bound."""
    reasons = calibration_data().get("at_bound", {})
    out = []
    for slug in ("h100-sxm", "b200"):
        c = device_constants(get_accelerator(slug))
        names = list(cal.BOUNDS) if slug == "h100-sxm" else cal.FEW_ROW_NAMES
        for name in names:
            lo, hi = cal.BOUNDS[name]
            v = cal.fitted_value(c, slug, name)
            if min(v - lo, hi - v) <= 0.01 * (hi - lo):
                out.append((slug, name, v, reasons.get(slug, {}).get(name, "")))
    shipped = cs.shipped_params()
    for name, (lo, hi) in cs.PARAM_BOUNDS.items():
        v = shipped[name]
        if min(v - lo, hi - v) <= 0.01 * (hi - lo):
            out.append(("stacks", name, v, reasons.get("stacks", {}).get(name, "")))
    return out


def main() -> None:
    rows = cal.all_rows()
    shipped = {s: device_constants(get_accelerator(s)) for s in sorted({r["device"] for r in rows})}
    print("=" * 100 + "\n1. ML.ENERGY v3 (vLLM 0.11): |error| of energy per output token and inter-token latency")
    lomo = cal.leave_one_model_out(rows)
    _table("Leave one model out (every configuration of the model held out), per model", lomo, lambda e: e["group"])
    _table("  same, per family", lomo, lambda e: _family(e["group"]))
    _table("  same, per accelerator", lomo, lambda e: e["device"])
    _table("In-sample (shipped constants), per family", cal.errors(rows, shipped), lambda e: _family(e["group"]))

    print(
        "\n"
        + "=" * 100
        + "\n2. MLPerf (optimised stacks): |error| of tokens/s per accelerator and wall energy per token"
    )
    stack_rows = cs.all_stack_rows()
    loao = cs.leave_one_out(stack_rows, "device")
    cs.report(stack_rows, folds={"device": loao, "scenario": cs.leave_one_out(stack_rows, "scenario")})

    print("\n" + "=" * 100 + "\n3. Fitted constants on a bound (within 1 % of the physical range set before the fit)")
    for owner, name, value, why in on_bound():
        print(f"  {owner:9s} {name:27s} {value:10.4g}  {why or 'NO MECHANISM WRITTEN'}")

    print("\n" + "=" * 100 + "\n4. Uncertainty bands (data/calibration.yaml `bands`)")
    mult = bands.multipliers_from(lomo, loao)
    bands.print_coverage(bands.coverage(mult))


if __name__ == "__main__":
    main()
