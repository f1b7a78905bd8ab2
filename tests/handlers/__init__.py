"""Tests of the use cases, driven without any messenger."""
