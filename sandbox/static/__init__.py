"""Static assets of the web chat page (a package so setuptools ships them with sandbox)."""
