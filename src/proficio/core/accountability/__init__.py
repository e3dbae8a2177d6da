"""A state's accountability system: indicators, the state plan, identification, the
pseudonymous student key and the per-student batch kernels (pure, no Django)."""
