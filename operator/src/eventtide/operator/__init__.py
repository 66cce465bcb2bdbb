"""eventtide.operator: the kopf operator for Pipeline resources."""
