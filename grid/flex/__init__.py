"""Flexible operation of a facility for the grid: resources, grid signals, the yearly dispatch LP.

- ``resources``: what can bend (power caps per pool, deferrable tiers, battery, on-site generation)
  and their sourced defaults (grid/data/flexibility.yaml);
- ``signals``: when the grid asks (the system's own hours above the headroom method's seasonal
  thresholds, an event schedule, price or carbon thresholds) → a meter cap per hour;
- ``dispatch``: one linear program per year (HiGHS) that meets the caps at least cost;
- ``outcome``: what it means (firm vs flexible MW, curtailment, tokens, cost, emissions).

Pure NumPy/SciPy, no Django.
"""
