"""Dashboards: named aggregated views and the general aggregate API, computed in SQL."""
