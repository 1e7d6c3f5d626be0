"""One module per section of the quarterly report, each a pure function of the shared `Ctx`;
`report/compute.py` puts them together."""
