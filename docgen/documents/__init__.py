"""Documents: every kind of paper docgen issues, all laid out by gbt9704.OfficialDocument."""
