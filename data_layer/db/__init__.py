"""The database: the one connection (store), migrations, summary tables and the audit trail."""
