"""The benchmark harness's own logic (no server, no database): CPU sums, tables."""

from __future__ import annotations

from typing import Any

from bench import run


def test_cpu_seconds_count_new_backends_from_zero() -> None:
    before = {1: 100, 2: 50}
    after = {1: 150, 2: 50, 3: 20}
    assert run.CpuMeter.seconds(before, after) == 70 / run.CLOCK_TICKS


def test_own_process_ticks_are_read_from_proc() -> None:
    import os

    ticks = run._ticks(os.getpid())
    assert ticks is not None and ticks >= 0
    assert run._ticks(2**22 + 12345) is None


def _page(name: str, cpu: float, sql: int = 5, p95_us: int = 5000) -> dict[str, Any]:
    return {
        "name": name,
        "cpu_ms": cpu,
        "cpu_x_bare": cpu / 1.0,
        "sql": sql,
        "c1_p50_us": 3000,
        "c1_p95_us": p95_us,
        "rps": 100.0,
        "p95_us": 90000,
        "non_2xx_3xx": 0,
        "socket_errors": 0,
    }


def test_table_marks_the_missed_targets() -> None:
    ceiling = {"cpu_ms": 1.0, "c1_p95_us": 2000, "rps": 1000.0, "sql": 0}
    run_result = {
        "scale": 1,
        "rows": {"users": 10, "tenants": 2},
        "ceilings": [{"before_page": 0, "bare": ceiling, "session": {**ceiling, "cpu_ms": 2.0, "sql": 2}}],
        "pages": [_page("light", 2.0), _page("heavy", 12.0, sql=11, p95_us=30000)],
        "loadavg": [1.0, 2.0],
    }
    table = run._table(run_result)
    assert "light" in table and "MISSED: cpu, SQL, c1 p95" in table
    assert "median page: cpu 7.00 ms = 7.0x the bare ceiling (MISSED" in table
    assert run._median([3.0, 1.0, 2.0]) == 2.0
