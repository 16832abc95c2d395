"""The meetings API: /api/v1/meetings/ and what hangs off a meeting."""
