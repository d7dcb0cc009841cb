"""The bare Flask endpoint the callback benchmark compares with: same gunicorn settings, no work at all."""
from flask import Flask, request

app = Flask(__name__)


@app.post("/wecom/callback")
def callback():
    request.get_data()
    return "success"


@app.get("/healthz")
def healthz():
    return {"ok": True}
