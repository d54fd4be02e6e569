"""Browser tests of the planner page (static/)."""
