"""Reading secretaries' chat lines: `parse(text, today) -> Parsed`. Pure; dictionaries load once.

`warm_up()` loads jieba and the keyword tables now (call it before a WSGI server forks its workers);
otherwise the first `parse` does it.
"""
from .parser import parse
from .types import INTENTS, Intent, Parsed


def warm_up() -> None:
    """Load jieba's dictionary, the user dictionary and the keyword tables, and parse one line."""
    parse("今天开了支委会")


__all__ = ["INTENTS", "Intent", "Parsed", "parse", "warm_up"]
