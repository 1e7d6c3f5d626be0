"""Event contracts: the only code the services share about the domain."""
