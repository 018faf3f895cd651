"""`python -m pipeline.loopback_ray start --head --node-ip-address 127.0.0.1 ...`: Ray's own
`ray` command (the one zhen's `cluster` extra installs), keeping a loopback node address as given.

Ray rewrites 127.0.0.1 to the machine's routable address wherever it meets it
(ray._private.services.resolve_ip_for_localhost), and a node started with
`--node-ip-address 127.0.0.1` then listens on every interface. Ray has no setting for it; this
runs its command line with that one function keeping the address, so a cluster on one machine
(the README's local cluster, the tests', the benchmark's) stays on loopback. Every argument is
Ray's.
"""

from __future__ import annotations

import sys


def keep_loopback() -> None:
    """Ray's rewriting of 127.0.0.1 off, in this process: for a node started here, and for a
    driver joining a loopback cluster (which would otherwise look for it at the routable
    address, retrying for ever)."""
    import ray._private.services as services

    services.resolve_ip_for_localhost = lambda host: host


def main() -> None:
    from ray.scripts.scripts import main as ray_main

    keep_loopback()
    sys.argv[0] = "ray"
    ray_main()


if __name__ == "__main__":
    main()
