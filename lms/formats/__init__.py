"""Locale formats Django does not ship (FORMAT_MODULE_PATH): Tatar dates and numbers as in Russian."""
