"""The engine: pure functions of the model, a calendar and an as-of date. No file or clock access here."""
