"""Typed assembly of component args from the stack configuration (the platform layer)."""
