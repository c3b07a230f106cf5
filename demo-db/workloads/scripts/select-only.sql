-- select-only: pgbench's read-only builtin (pgbench -b select-only): the balance of one account
-- drawn uniformly from the 100,000 x scale accounts, as a single auto-committed SELECT. It
-- measures point reads by primary key; it changes nothing.
\set aid random(1, 100000 * :scale)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
