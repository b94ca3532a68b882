"""API views, one module per resource. Thin: parse, call a selector or service, serialize."""
