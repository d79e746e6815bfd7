"""``/api/v1/protocols/runs``, by behaviour: one module for each thing a run does."""
