"""eventtide.core: the library every eventtide service shares. It never runs on its own."""
