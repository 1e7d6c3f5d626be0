"""The quarterly steering-group report: model, computation, renderers, scheduling and routes."""
