"""Portal pages of calls for tenders."""
