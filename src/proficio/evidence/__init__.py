"""Evidence of learning: anything that shows learning, from anywhere, with its artifacts."""
