"""Tests of the contest domain package."""
