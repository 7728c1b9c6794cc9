"""Benchmarks: scripts that print tables of measured figures."""
