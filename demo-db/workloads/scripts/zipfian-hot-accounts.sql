-- zipfian-hot-accounts: reads and updates that crowd onto a few hot accounts. Account ids
-- follow a Zipfian distribution with parameter 1.2: aid k is drawn with probability
-- proportional to k^-1.2, so aid 1 comes about 2.3 times as often as aid 2, and at scale 1
-- the 10 lowest ids take almost half of the draws (48 %). Each run reads two hot accounts,
-- each SELECT auto-committed on its own, then moves a random amount to the first one TPC-B
-- style (its teller, its branch and the history get the same delta, so the balance sums
-- stay equal). The updates contend for the same rows: expect lock waits, and on some
-- databases deadlock retries.
\set aid1 random_zipfian(1, 100000 * :scale, 1.2)
\set aid2 random_zipfian(1, 100000 * :scale, 1.2)
\set bid random(1, :scale)
\set tid random(1, 10 * :scale)
\set delta random(-1000, 1000)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid1;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid2;
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid1;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime)
  VALUES (:tid, :bid, :aid1, :delta, CURRENT_TIMESTAMP);
END;
