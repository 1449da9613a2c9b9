"""Bank and lockbox file formats: parsers, pure (no database).

- `statements`: the common result (`BankStatement`, `BankTransaction`), `FormatError`, and
  `parse_statement(data, file_name, mapping=...)`, which tells the formats apart by content.
- `bai2`, `camt` (camt.053 and camt.054), `ofx`, `csvmap` (CSV with a saved `CsvMapping`):
  one parser each, all returning BankStatements.
- `lockbox`: `parse_lockbox(data, file_name)` for a BAI lockbox transmission or our CSV layout.
"""
