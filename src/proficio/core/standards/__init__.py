"""Codecs for education data standards: plain dicts and dataclasses in and out, no Django."""
