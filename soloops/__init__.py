"""SoloOps: the operations back office of a one-person online shop."""
