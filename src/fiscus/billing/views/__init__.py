"""Billing pages, one module per part of the work."""
