"""Schedule views."""
