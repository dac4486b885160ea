"""Typed assembly of component args from a stack's configuration (one module per component)."""
