"""Backends a replay writes to: Prometheus remote write, a Jaeger collector, stdout, or a file."""
