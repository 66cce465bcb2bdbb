"""A package on purpose: pytest's importlib mode would otherwise name these modules
``operator.tests.*`` and replace the standard library's ``operator`` in ``sys.modules``."""
