"""Every test in the repository gets the real-infrastructure fixtures."""

pytest_plugins = ["eventtide.devstack.pytest_plugin"]
