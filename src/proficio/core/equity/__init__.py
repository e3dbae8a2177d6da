"""Equity analytics and privacy protection for aggregates that leave a school."""
