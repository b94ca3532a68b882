"""Pure scenario schema and runner: no Django import, so the CLI, jobs and tests share it."""
