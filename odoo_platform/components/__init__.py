"""One ComponentResource per module; each can be used on its own."""
