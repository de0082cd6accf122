"""Probe many SIP targets at once, with a bound, from synchronous code.

`probe_many()` runs one asyncio loop (in a worker thread when the caller already runs a loop,
e.g. an async job runner) and keeps at most `concurrency` probes in flight. Every probe carries its
own timeout, so a silent peer costs that timeout and nothing more: the run lasts about
ceil(silent / concurrency) * timeout plus the answering peers' round trips.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from .sip_options import IPNetwork, ProbeResult, SipTarget, options_ping


def tls_context(*, verify: bool = True, ca_file: str = "") -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file or None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def probe_many_async(targets: Sequence[SipTarget], *, concurrency: int, timeout: float,
                           ssl_context: ssl.SSLContext | None = None,
                           blocked_networks: Sequence[IPNetwork] = ()) -> list[ProbeResult]:
    semaphore = asyncio.Semaphore(concurrency)
    # Host names resolve in threads; asyncio's default pool (a few threads) would let slow DNS answers
    # queue up and eat other probes' timeouts.
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=min(concurrency, 64)))

    async def one(target: SipTarget) -> ProbeResult:
        async with semaphore:
            return await options_ping(target, timeout=timeout, ssl_context=ssl_context,
                                      blocked_networks=blocked_networks)

    return list(await asyncio.gather(*(one(target) for target in targets)))


def probe_many(targets: Sequence[SipTarget], *, concurrency: int, timeout: float,
               ssl_context: ssl.SSLContext | None = None,
               blocked_networks: Sequence[IPNetwork] = ()) -> list[ProbeResult]:
    """Results in the order of `targets`."""
    if not targets:
        return []

    def run() -> list[ProbeResult]:
        return asyncio.run(probe_many_async(targets, concurrency=concurrency, timeout=timeout,
                                            ssl_context=ssl_context, blocked_networks=blocked_networks))

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    with ThreadPoolExecutor(1) as pool:  # called from inside a running loop: use a loop of our own
        return pool.submit(run).result()
