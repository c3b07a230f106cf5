-- tpcb-like: pgbench's default transaction, "TPC-B (sort of)", the same text as the builtin
-- (hapager tpcb, or pgbench -b tpcb-like). A random account, teller and branch (at scale n:
-- 100,000 n accounts, 10 n tellers, n branches) get the same random delta in -5000..5000, read
-- back from the account and recorded in the history, in one transaction. Afterwards
-- sum(abalance) = sum(tbalance) = sum(bbalance) = sum(history.delta).
\set aid random(1, 100000 * :scale)
\set bid random(1, 1 * :scale)
\set tid random(1, 10 * :scale)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
