"""Errors of the efficiency engine."""


class EstimateError(ValueError):
    """Impossible or malformed input; `.field` names the offending argument."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
