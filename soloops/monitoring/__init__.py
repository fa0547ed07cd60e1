"""Monitoring: process heartbeats, health (/healthz) and readiness (/readyz).

Emits nothing: heartbeats are bookkeeping, not business facts.
"""
