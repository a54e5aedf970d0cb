"""advisor: a prompt-latency advisor for code and prompts that call Claude."""

__version__ = "0.1.0"
