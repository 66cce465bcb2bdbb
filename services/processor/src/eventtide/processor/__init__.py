"""eventtide.processor service: the pure streaming core (I/O wiring comes later)."""
