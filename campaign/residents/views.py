"""Resident views: thin, form -> one service call -> commit."""
