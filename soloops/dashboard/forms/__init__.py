"""Console forms, one module per section. Forms parse and validate; services write."""
