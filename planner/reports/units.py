"""Units and labels of result keys and hourly series, read from the unit in the name (pure)."""

from __future__ import annotations

import math

# Longest suffix first: the unit a key's name ends with.
_SUFFIX_UNITS = (
    ("_output_tokens_per_s", "tokens/s"),
    ("_g_per_kwh", "gCO2/kWh"),
    ("_usd_per_mwh", "USD/MWh"),
    ("_usd_per_month", "USD/month"),
    ("_usd_per_year", "USD/year"),
    ("_tco2e_per_year", "tCO2e/year"),
    ("_l_per_kwh", "L/kWh"),
    ("_tco2e", "tCO2e"),
    ("_mwh_per_mtok", "MWh/Mtok"),
    ("_mtok", "Mtok"),
    ("_mwh", "MWh"),
    ("_mw", "MW"),
    ("_kw", "kW"),
    ("_m3", "m³"),
    ("_kg", "kg"),
    ("_j", "J"),
    ("_c", "°C"),
    ("_s", "s"),
    ("_pct", "%"),
    ("_frac", "fraction"),
    ("_usd", "USD"),
)


def unit_of(name: str) -> str:
    """'it_power_mw__h100' → 'MW'; 'pue' → '-' (a ratio); unknown → ''."""
    base = name.split("__", 1)[0]
    if base in {"pue", "annual_pue", "peak_pue", "mean_hourly_pue", "pue_at_peak_hour"}:
        return "-"
    for suffix, unit in _SUFFIX_UNITS:
        if base.endswith(suffix):
            return unit
    return ""


def header_of(name: str) -> str:
    """Column header with the unit: 'facility_power_mw [MW]'."""
    unit = unit_of(name)
    return f"{name} [{unit}]" if unit else name


def label_of(name: str) -> str:
    """'it_power_mw__h100' → 'IT power (pool h100)'."""
    base, _, pool = name.partition("__")
    for suffix, _unit in _SUFFIX_UNITS:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    words = base.replace("_", " ").strip()
    words = words.replace("it ", "IT ").replace("pue", "PUE")
    words = words[:1].upper() + words[1:] if words else name
    return f"{words} (pool {pool})" if pool else words


def fmt(value: object) -> str:
    """A number as the reports print it: 4 significant digits, thousands separators."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else ("yes" if value else "no")
    if isinstance(value, int):
        return f"{value:,}"
    if not isinstance(value, float):
        return str(value)
    if not math.isfinite(value):
        return "n/a"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = min(6, max(0, 3 - magnitude))
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text
