"""Mutation testing of the pure modules: do the unit tests notice when the code is wrong?

Run with ``make mutation`` (every target) or ``python -m tools.mutation --quick``.
"""
