"""Studies: sweeps, uncertainty and optimisation over the one runner (pure; no Django).

- ``definition``: the validated study definition (kind sweep / uncertainty / optimisation).
- ``params``: named uncertain inputs → scenario field paths (a registry others extend).
- ``kpis``: the KPIs and daily series a study reads off each point (a registry others extend).
- ``points``: expand a study into points and compute one point.
- ``uncertainty``: quasi-Monte Carlo sampling, percentiles, Sobol indices (SALib).
- ``optimise``: the hardware mix under constraints: enumeration, or the MILP's rounds.
- ``milp``: the mix as a MILP (scipy/HiGHS), its re-check, gap and ε-constraint Pareto front.
"""
