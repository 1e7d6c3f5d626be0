"""The pages people use: server-rendered HTML over the gateway's own public JSON API."""
