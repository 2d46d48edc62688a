"""Models of the ads app."""
