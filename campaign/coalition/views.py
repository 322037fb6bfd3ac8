"""Coalition views."""
