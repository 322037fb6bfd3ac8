"""Staff views: thin, form -> one service call -> commit."""
