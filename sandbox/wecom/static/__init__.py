"""Static assets of the 企业微信 chat page (a package so setuptools ships them)."""
