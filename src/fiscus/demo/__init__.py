"""The demo city: a fictional agency with a year and a half of receivables (`fiscus demo`)."""
