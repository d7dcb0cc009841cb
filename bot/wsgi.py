"""WSGI entry point for gunicorn: `gunicorn bot.wsgi:app`."""
from bot.app import create_app

app = create_app()
