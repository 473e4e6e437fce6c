"""The admin's directory: cohorts, memberships, people and saved import mappings."""
