"""Evaluation harness: sets, metrics, BEIR loading, runs and reports (``rag eval``)."""
