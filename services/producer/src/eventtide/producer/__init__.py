"""eventtide.producer service."""
