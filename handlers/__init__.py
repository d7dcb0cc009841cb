"""One module per intent: (parsed message, context) in, reply data out."""
