"""Importable helpers shared by several test folders (builders, server discovery); fixtures stay in conftest files."""
