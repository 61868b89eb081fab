"""Storing the same bytes from several writers at once: each writes its own temporary file."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask

from portal.core.files import path_of, store_bytes, upload_root


def _write(app: Flask, data: bytes, barrier: threading.Barrier, keys: list[str], failures: list[BaseException]) -> None:
    with app.app_context():
        barrier.wait()
        try:
            keys.append(store_bytes(data, 7, extension=".png", filename="logo.png", content_type="image/png").key)
        except BaseException as exc:  # collected, and asserted by the test
            failures.append(exc)


def test_writers_storing_the_same_bytes_at_once_all_succeed(app: Flask, tmp_path: Any) -> None:
    original = app.config["PORTAL_UPLOAD_DIR"]
    app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path / "uploads")
    try:
        for round_no in range(25):
            data = f"logo {round_no}".encode() * 20_000  # big enough that the writes overlap
            barrier = threading.Barrier(4)
            keys: list[str] = []
            failures: list[BaseException] = []
            threads = [threading.Thread(target=_write, args=(app, data, barrier, keys, failures)) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert failures == [], failures
            assert len(keys) == 4 and len(set(keys)) == 1
            with app.app_context():
                assert path_of(keys[0]).read_bytes() == data
        with app.app_context():
            assert list(upload_root().rglob("*.tmp")) == []
    finally:
        app.config["PORTAL_UPLOAD_DIR"] = original
