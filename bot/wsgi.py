"""WSGI entry point for gunicorn: `gunicorn --preload bot.wsgi:app` (what `zhibu serve` runs).

With --preload the app (jieba's dictionaries, schema, demo data) is built once in the master; each forked
worker then drops the inherited database connections and starts its own thread pool lazily.
"""
import os

from bot.app import create_app, runtime_of

app = create_app()
_runtime = runtime_of(app)
os.register_at_fork(after_in_child=lambda: _runtime.engine.dispose(close=False))
