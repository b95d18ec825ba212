"""Does every task behind the load balancer run the commit we deployed? `weaver verify-deploy` asks
`/version` until they all say so, or a deadline passes: the exit code is for CI.

A load balancer answers each request from one task, so one request proves nothing about the others.
Each round sends several requests, each on a new connection with no cookies (the target group's
stickiness cookie would pin them to one task), and notes which task (`instance`) answered with which
commit. The deploy is verified when `settle_rounds` rounds in a row saw only the expected commit from
at least `min_tasks` distinct tasks: an old task still registered answers some of a round's requests
(round robin), so it cannot hide for two rounds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

SHORTEST_SHA = 7  # git's own shortest abbreviation


@dataclass
class Round:
    seen: dict[str, str] = field(default_factory=dict)  # instance -> reported commit
    failures: list[str] = field(default_factory=list)  # requests that got no usable answer

    def verified(self, sha: str, min_tasks: int) -> bool:
        return (
            not self.failures
            and len(self.seen) >= min_tasks
            and all(same_commit(reported, sha) for reported in self.seen.values())
        )

    def describe(self, sha: str) -> str:
        tasks = ", ".join(
            f"{instance} {'=' if same_commit(reported, sha) else '!='} {reported}"
            for instance, reported in sorted(self.seen.items())
        )
        failed = f"; {len(self.failures)} failed ({self.failures[-1]})" if self.failures else ""
        return f"{len(self.seen)} task(s): {tasks or 'none'}{failed}"


def same_commit(reported: str, expected: str) -> bool:
    """Full and abbreviated SHAs of one commit match (images are tagged with 12 hex digits)."""
    reported, expected = reported.strip().lower(), expected.strip().lower()
    if min(len(reported), len(expected)) < SHORTEST_SHA:
        return False
    return reported.startswith(expected) or expected.startswith(reported)


def ask(url: str, requests: int, timeout_s: float, headers: dict[str, str]) -> Round:
    found = Round()
    for _ in range(requests):
        try:
            # A fresh connection and no cookie jar each time, so the load balancer picks a task anew.
            response = httpx.get(
                f"{url.rstrip('/')}/version",
                headers={**headers, "Connection": "close"},
                timeout=timeout_s,
            )
            response.raise_for_status()
            body = response.json()
            found.seen[str(body.get("instance") or "unnamed")] = str(body.get("git_sha") or "unknown")
        except (httpx.HTTPError, ValueError) as exc:
            found.failures.append(type(exc).__name__)
    return found


def verify(
    url: str,
    sha: str,
    *,
    timeout_s: float = 600.0,
    interval_s: float = 5.0,
    requests_per_round: int = 10,
    min_tasks: int = 1,
    settle_rounds: int = 2,
    request_timeout_s: float = 10.0,
    headers: dict[str, str] | None = None,
    report: Callable[[str], None] = print,
) -> bool:
    """True once `settle_rounds` consecutive rounds saw only `sha`, from `min_tasks` tasks or more."""
    if len(sha.strip()) < SHORTEST_SHA:
        raise ValueError(f"--sha needs at least {SHORTEST_SHA} hex digits of the commit")
    deadline = time.monotonic() + timeout_s
    settled, number = 0, 0
    while True:
        number += 1
        found = ask(url, requests_per_round, request_timeout_s, headers or {})
        settled = settled + 1 if found.verified(sha, min_tasks) else 0
        report(f"round {number}: {found.describe(sha)}")
        if settled >= settle_rounds:
            report(f"verified: every task answering at {url} runs {sha}")
            return True
        if time.monotonic() + interval_s > deadline:
            report(f"NOT verified within {timeout_s:.0f}s: {found.describe(sha)}")
            return False
        time.sleep(interval_s)


def run(args) -> int:
    """`weaver verify-deploy`: exit 0 when every task reports the commit, 1 on timeout, 2 on bad input."""
    try:
        ok = verify(
            args.url,
            args.sha,
            timeout_s=args.timeout,
            interval_s=args.interval,
            requests_per_round=args.requests,
            min_tasks=args.min_tasks,
            report=lambda line: print(line, flush=True),
        )
    except ValueError as exc:
        print(f"weaver: {exc}", file=sys.stderr)
        return 2
    return 0 if ok else 1
