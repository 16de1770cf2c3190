"""convviz."""
