"""Benchmark groups: what each benchmark is called, what it carries, how it is set up."""
