"""Background jobs (Huey): queue setup, tasks, and the one place periodic tasks are registered."""
