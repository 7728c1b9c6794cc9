"""Job logs: where a job's output goes, windows of it, and following it as it grows."""
