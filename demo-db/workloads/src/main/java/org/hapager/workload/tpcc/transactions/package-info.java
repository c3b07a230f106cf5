/**
 * The five TPC-C transactions (clauses 2.4-2.8), their inputs ({@link
 * org.hapager.workload.tpcc.transactions.InputGenerator}) and the retry of deadlock victims and lock
 * time-outs ({@link org.hapager.workload.tpcc.transactions.TxContext#retry}).
 *
 * <p>Isolation: the transactions are written for READ COMMITTED on a locking database (Derby's default):
 * every counter that is read and then changed (D_NEXT_O_ID, W_YTD, D_YTD, S_QUANTITY, C_BALANCE) is changed
 * by an UPDATE that computes the new value, so no update is lost and consistency conditions 1-4 hold. This is
 * weaker than the isolation the specification asks for (clause 3.4: level 3 for four of the five), and is
 * one of the reasons a run here is TPC-C-like, not an audited TPC-C result.
 */
package org.hapager.workload.tpcc.transactions;
