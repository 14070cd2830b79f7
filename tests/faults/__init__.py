"""Fault injection: each fault is caused for real, and nothing may be lost or doubled.

- the broker is unreachable while bids are submitted: tests/procurement/test_delivery.py
  (test_a_bid_submitted_while_redis_is_down_gets_its_receipt_when_redis_is_back);
- a worker is killed while rendering a PDF: test_worker_killed.py;
- the database connection drops in the middle of a submission: test_db_drop.py;
- two officers act on the same call at the same moment: test_concurrent_officers.py (and publishing, in
  tests/tenders/test_state_machine.py);
- the periodic scans run twice at once: test_parallel_scans.py (closing, outbox relay) and
  tests/procurement/test_notifications.py (timers, e-mail relay)."""
