"""The demo district: a deterministic, realistic district for trying Proficio and for tests."""
