"""File formats the receivables app reads and writes. Pure: no database."""
