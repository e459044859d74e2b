"""Benchmarks of osmsyncd at catalogue scale; run ``python bench/run.py``."""
