"""Packet views."""
