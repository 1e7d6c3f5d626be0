"""Programs that talk to the services only through HTTP and the topics: the Pabulib reader and
election importer, the demo and its walkthrough, and their `ideastorm` commands."""
