"""dandiops: operate a DANDI Archive clone from the command line."""

__version__ = "0.1.0"
