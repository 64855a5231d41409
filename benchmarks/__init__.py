"""Benchmarks (SPEC §8): throughput, memory and scaling of the full `scs` regime, and Mesa.

`make bench` (python -m benchmarks) writes benchmarks/results.json and docs/performance.md.
Every timed run happens in a fresh child process, so that its peak resident memory is the
operating system's count for that run alone. On a shared machine, wrap the command in a lock
(flock) so that timed runs never overlap.
"""
