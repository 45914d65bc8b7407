"""HTTP: the FastAPI application, REST API v1 and authentication."""
