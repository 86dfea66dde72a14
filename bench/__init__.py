"""Benchmarks for `make bench`: print figures against the issue targets; never part of the tests."""
