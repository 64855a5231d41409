"""Experiments over many runs: compare regimes, sweep parameters, check theory, audit configurations."""
