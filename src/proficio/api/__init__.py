"""The JSON API: one NinjaAPI object; each app contributes a router."""
