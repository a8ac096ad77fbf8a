"""Figures, not tests: `make bench` (= `python -m bench`) seeds a large data set into a fresh
database and measures the ticket list (API and admin) against it. See bench/__main__.py."""
