"""Scenario reports (PDF, XLSX, CSV, JSON) built from a run's stored result by a Celery job."""
