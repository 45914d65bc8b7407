"""Pure domain types of Belegwerk: no I/O, no framework, importable from anywhere."""
