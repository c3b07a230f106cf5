-- exponential-history: new accounts are the busy ones. The account's age (how far its id is
-- below the newest, 100,000 x scale) is exponentially distributed with parameter 20, so half
-- of the transactions go to the newest ~3.5 % of the accounts. Each run posts a small
-- deposit or withdrawal TPC-B style (account, teller, branch and history get the same delta,
-- so the balance sums stay equal), then the client thinks for 0 to 10 ms, short thinks being
-- the likeliest (\sleep counts in the transaction's latency, as in pgbench).
\set naccounts 100000 * :scale
\set age random_exponential(0, :naccounts - 1, 20.0)
\set aid :naccounts - :age
\set bid (:aid - 1) / 100000 + 1
\set tid random(1, 10 * :scale)
\set delta random(-100, 100)
\set think random_exponential(0, 10, 3)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime)
  VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
\sleep :think ms
