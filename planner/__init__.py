"""The planner: Django project settings, scenarios, jobs, pages, API and reports.

`planner.engine` is the pure scenario schema and runner (no Django import); everything else in
this package is a thin Django layer over it.
"""
