"""One router per resource, mounted by :func:`eventtide.api.main.create_app`."""
