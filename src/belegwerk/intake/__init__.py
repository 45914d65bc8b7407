"""Intake: every way a document arrives, and the first step for all of them — keep the original."""
