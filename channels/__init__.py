"""Channel adapters: each parses its input, calls the use cases in ``handlers/`` and renders
their neutral replies."""
