"""Evaluation records are kept out of the admin: they change only through the evaluation services."""
