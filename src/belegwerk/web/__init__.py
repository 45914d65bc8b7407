"""Server-rendered web client (Jinja2 + htmx)."""
