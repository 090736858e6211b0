"""Code shared by parbench's Python peers (peers/PROTOCOL.md): the
protocol loop (protocol.py), the workloads (work.py) and parbench's hash
(pbhash.py).  The peers themselves are the scripts next to this package."""
