"""Bids are deliberately not in the admin: their content is sealed until the opening."""
