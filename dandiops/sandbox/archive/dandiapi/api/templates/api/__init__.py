"""Package marker so that the wheel ships these templates (package data is matched per package)."""
