"""One module per step of the journey."""
