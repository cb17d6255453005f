"""Dataset formats: one package per format, each reading its own folder layout behind one interface."""
