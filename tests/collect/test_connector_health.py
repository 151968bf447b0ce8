"""A connector's health is read by pages while its collector thread notes messages: reading it never fails."""

from __future__ import annotations

import threading

from sandan.collect.connector import Health


def test_reading_the_health_while_messages_arrive_never_fails():
    """A company page failed with 'deque mutated during iteration' when it read a Modbus collector's health as a
    message arrived. One thread notes messages as fast as it can while another reads the health."""
    health = Health(name="press-shop", kind="modbus")
    stop = threading.Event()

    def collect() -> None:
        while not stop.is_set():
            health.note_message(3)

    writer = threading.Thread(target=collect)
    writer.start()
    try:
        read = [health.to_dict() for _ in range(3000)]
    finally:
        stop.set()
        writer.join()
    assert read[-1]["messages"] >= read[0]["messages"] and read[-1]["records"] == 3 * read[-1]["messages"]
    assert "_window" not in read[-1] and "_lock" not in read[-1]
