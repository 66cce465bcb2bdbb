"""eventtide.consumer service."""
