"""Reading secretaries' chat lines: `parse(text, today) -> Parsed`. Pure; dictionaries load once."""
from .types import INTENTS, Intent, Parsed

__all__ = ["INTENTS", "Intent", "Parsed"]
