"""eventtide benchmarks: each sub-folder measures one thing against its peer."""
