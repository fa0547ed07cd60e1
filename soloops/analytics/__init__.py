"""Insights: daily facts, KPIs with intervals, forecasts, reorder points, anomalies and
price suggestions."""
