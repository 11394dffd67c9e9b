"""Evidence formats: trusted timestamps, custody hash chain, bundles and reports (no database)."""
