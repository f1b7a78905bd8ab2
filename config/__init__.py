"""Configuration below everything that uses it: settings and the clock."""
