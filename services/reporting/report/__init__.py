"""The quarterly steering-group report's pure pipeline: compute (from the one fold) → document →
render as Markdown, HTML, PDF and JSON. No I/O: the service's rooms feed it and store what it makes."""
