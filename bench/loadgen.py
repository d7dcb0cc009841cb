"""A lean HTTP/1.1 load generator (asyncio streams, keep-alive, pre-built requests): 127.0.0.1 only.

Two modes:
- `fixed_rate`: open loop. Request i is due at t0 + i/rate whatever happened before; its latency is
  measured from that due time, so a stalled server cannot hide its queue (no coordinated omission).
- `closed_loop`: `concurrency` connections each send the next request as soon as the answer arrives,
  for `duration` seconds: the throughput ceiling.

It runs on the same 2 cores as the server: every result carries the client's own CPU seconds, so the
report can say what the measurement cost. Bounded: never more than `max_conns` sockets, never past
`duration` (+ a drain timeout), never a host other than 127.0.0.1.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable, Sequence

HOST = "127.0.0.1"


def build_request(path_and_query: str, body: bytes, port: int, content_type: str = "text/xml") -> bytes:
    head = (f"POST {path_and_query} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n")
    return head.encode() + body


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    elapsed: float = 0.0
    client_cpu: float = 0.0  # seconds of this process's CPU during the run

    @property
    def done(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.done / self.elapsed if self.elapsed else 0.0

    def pct(self, p: float) -> float:
        xs = sorted(self.latencies)
        if not xs:
            return float("nan")
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

    def summary(self) -> str:
        ok = self.statuses.get(200, 0)
        return (f"{self.done} answers in {self.elapsed:.1f} s = {self.throughput:.0f} req/s; "
                f"p50 {self.pct(50) * 1000:.1f} ms, p90 {self.pct(90) * 1000:.1f} ms, p99 {self.pct(99) * 1000:.1f} ms, "
                f"max {max(self.latencies, default=0) * 1000:.1f} ms; 200: {ok}, other: "
                f"{ {k: v for k, v in self.statuses.items() if k != 200} }, errors {self.errors}; "
                f"client CPU {self.client_cpu:.2f} s ({self.client_cpu / self.elapsed * 100 if self.elapsed else 0:.0f} % of one core)")


class Closed(Exception):
    """The server answered and then closed the connection (`Connection: close`, e.g. gunicorn's sync workers)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, req: bytes) -> int:
    writer.write(req)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    lower = head.lower()
    i = lower.find(b"content-length:")
    if i >= 0:
        length = int(lower[i + 15:lower.find(b"\r\n", i)])
    if length:
        await reader.readexactly(length)
    if b"connection: close" in lower:
        raise Closed(status)  # a full answer: counted, and the connection is not reused
    return status


class _Pool:
    def __init__(self, port: int, max_conns: int) -> None:
        self.port, self.max_conns = port, max_conns
        self.idle: list[tuple] = []
        self.opened = 0
        self.freed = asyncio.Condition()

    async def get(self):
        async with self.freed:
            while not self.idle and self.opened >= self.max_conns:
                await self.freed.wait()
            if self.idle:
                return self.idle.pop()
            self.opened += 1
        try:
            return await asyncio.open_connection(HOST, self.port)
        except OSError:
            async with self.freed:
                self.opened -= 1
                self.freed.notify()
            raise

    async def put(self, conn, broken: bool = False) -> None:
        async with self.freed:
            if broken:
                self.opened -= 1
                conn[1].close()
            else:
                self.idle.append(conn)
            self.freed.notify()

    def close(self) -> None:
        for _, w in self.idle:
            w.close()


async def _one(pool: _Pool, req: bytes, due: float, res: Result, timeout: float) -> None:
    try:
        conn = await pool.get()
    except OSError:
        res.errors += 1
        return
    try:
        status = await asyncio.wait_for(_exchange(*conn, req), timeout)
    except Closed as closed:
        res.latencies.append(time.perf_counter() - due)
        res.statuses[closed.status] = res.statuses.get(closed.status, 0) + 1
        await pool.put(conn, broken=True)
        return
    except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, asyncio.LimitOverrunError):
        res.errors += 1
        await pool.put(conn, broken=True)
        return
    res.latencies.append(time.perf_counter() - due)
    res.statuses[status] = res.statuses.get(status, 0) + 1
    await pool.put(conn)


async def paced(reqs: Sequence[bytes], rate: float, send: Callable[[bytes, float], Awaitable[None]]) -> float:
    """Open loop: start `send(request, due)` for request i at t0 + i/rate, whatever happened before; wait for all.
    Returns the seconds from t0 until the last one finished."""
    t0 = time.perf_counter()
    tasks = []
    for i, req in enumerate(reqs):
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(send(req, due)))
    await asyncio.gather(*tasks)
    return time.perf_counter() - t0


async def _fixed_rate(port: int, reqs: Sequence[bytes], rate: float, max_conns: int, timeout: float) -> Result:
    res = Result()
    pool = _Pool(port, max_conns)
    cpu0 = time.process_time()
    res.elapsed = await paced(reqs, rate, lambda req, due: _one(pool, req, due, res, timeout))
    res.client_cpu = time.process_time() - cpu0
    pool.close()
    return res


async def _closed_loop(port: int, reqs: Sequence[bytes], concurrency: int, duration: float, timeout: float) -> Result:
    res = Result()
    it = iter(reqs)
    cpu0, t0 = time.process_time(), time.perf_counter()
    stop = t0 + duration

    async def worker() -> None:
        conn = None
        while time.perf_counter() < stop:
            req = next(it, None)
            if req is None:
                break
            try:
                if conn is None:
                    conn = await asyncio.open_connection(HOST, port)
                start = time.perf_counter()
                try:
                    status = await asyncio.wait_for(_exchange(*conn, req), timeout)
                except Closed as closed:
                    status = closed.status
                    conn[1].close()
                    conn = None
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError, asyncio.LimitOverrunError):
                res.errors += 1
                if conn is not None:
                    conn[1].close()
                conn = None
                continue
            res.latencies.append(time.perf_counter() - start)
            res.statuses[status] = res.statuses.get(status, 0) + 1
        if conn is not None:
            conn[1].close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    res.elapsed = time.perf_counter() - t0
    res.client_cpu = time.process_time() - cpu0
    return res


def fixed_rate(port: int, reqs: Sequence[bytes], rate: float, *, max_conns: int = 64, timeout: float = 10.0) -> Result:
    return asyncio.run(_fixed_rate(port, reqs, rate, max_conns, timeout))


def closed_loop(port: int, reqs: Sequence[bytes], *, concurrency: int = 8, duration: float = 10.0,
                timeout: float = 10.0) -> Result:
    return asyncio.run(_closed_loop(port, reqs, concurrency, duration, timeout))
