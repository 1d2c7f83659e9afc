"""Timing the leaders' pages on a generated county (`manage.py bench`, `scripts/bench`; issue 11 item 7).

A job is a name, a target (seconds, None when no document sets one) and a callable doing one
request. `measure` runs it once cold (template, font and translation loading count there, not in the
statistics), then `repeat` times, recording wall time and the database queries of every run and the
process's peak resident memory while the job ran (the high-water mark is reset before each job).
A job passes when its median is within its target.
`report` turns the results into a JSON-safe dict with the machine and the data set; `table` prints it.
Timings belong here, never in the test suite (the tests assert query counts instead).
"""
import os
import platform
import resource
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection


@dataclass
class Job:
    name: str
    target: float | None   # seconds; the median must not exceed it
    run: object            # callable() → None; raises when the page fails
    prepare: object = None  # callable() → None, before each run, not timed (a fresh check run, say)


@dataclass
class Result:
    name: str
    target: float | None
    first: float                       # the cold run, seconds
    first_queries: int
    times: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    peak_rss_mib: float = 0.0          # the process's resident peak while this job ran

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "—"
        return "PASS" if self.median <= self.target else "MISS"

    def as_dict(self) -> dict:
        return {"job": self.name, "runs": len(self.times), "first_s": round(self.first, 4),
                "first_queries": self.first_queries, "min_s": round(min(self.times), 4),
                "median_s": round(self.median, 4), "max_s": round(max(self.times), 4),
                "times_s": [round(t, 4) for t in self.times], "queries": self.queries,
                "peak_rss_mib": round(self.peak_rss_mib, 1), "target_s": self.target, "result": self.verdict}


def peak_rss_mib() -> float:
    """The process's resident high-water mark since the last `reset_peak_rss` (or its start)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def reset_peak_rss() -> None:
    """Lower the high-water mark to the current resident size (Linux: "5" into clear_refs), so
    each job's peak is its own and not that of a heavier job measured before it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _timed(run) -> tuple[float, int]:
    """Wall time and number of statements. Statements are counted by an execute wrapper, not
    captured: capturing formats every statement with its parameters, which for the check's array
    inserts (20,000 rows a statement) costs seconds that production never pays."""
    count = 0

    def counted(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        started = time.perf_counter()
        run()
        elapsed = time.perf_counter() - started
    return elapsed, count


def measure(job: Job, repeat: int) -> Result:
    reset_peak_rss()
    if job.prepare:
        job.prepare()
    first, first_queries = _timed(job.run)
    result = Result(job.name, job.target, first, first_queries)
    for _ in range(repeat):
        if job.prepare:
            job.prepare()
        elapsed, queries = _timed(job.run)
        result.times.append(elapsed)
        result.queries.append(queries)
    result.peak_rss_mib = peak_rss_mib()
    return result


def machine() -> dict:
    """What the numbers were measured on."""
    cpu = ""
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    import django
    return {"nproc": os.cpu_count(), "cpu": cpu, "load_avg": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "django": django.get_version(),
            "database": f"{connection.vendor} {server}", "commit": _commit()}


def _commit() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return f"{sha}{'+changes' if dirty and sha else ''}"


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _query_text(counts: list[int]) -> str:
    low, high = min(counts), max(counts)
    return str(low) if low == high else f"{low}–{high}"


def table(results: list[Result]) -> str:
    header = ("job", "runs", "first", "min", "median", "max", "queries", "peak RSS", "target", "result")
    rows = [header]
    for r in results:
        rows.append((r.name, str(len(r.times)), _ms(r.first), _ms(min(r.times)), _ms(r.median), _ms(max(r.times)),
                     _query_text(r.queries), f"{r.peak_rss_mib:.0f} MiB", _ms(r.target), r.verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def bench_user(username: str, role: str, root):
    """The benchmark's own account of `role` in `root` (created once, moved there if needed); it
    has no usable password, so it never opens a real login."""
    from enterprises.models import User

    user, created = User.objects.get_or_create(username=username, defaults={
        "role": role, "jurisdiction": root, "first_name": "基准测试"})
    if user.jurisdiction_id != root.pk or user.role != role:
        user.role, user.jurisdiction = role, root
        user.save(update_fields=["role", "jurisdiction"])
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
