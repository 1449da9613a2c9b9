"""Billing file formats: parsers and writers, pure (no database)."""
