"""Business logic shared by chat handlers, the web API and scheduled jobs.

Nothing here imports aiogram: services take and return plain values and ORM models.
"""
