"""Insights: leader dashboards, equity analytics and suppressed exports."""
