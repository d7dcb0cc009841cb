"""zhibu-bot's outer layer: Flask app, channels, store, pushes, scheduler and CLI."""
