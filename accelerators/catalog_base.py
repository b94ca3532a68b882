"""Shared pieces of the catalogs: the data folder and the error type (pure, no Django)."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


class CatalogError(ValueError):
    """Unknown catalog reference or malformed entry; the message names the ref/field and close matches."""
