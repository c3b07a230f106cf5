/**
 * The database lock of the Derby storage factory ({@code dbex.lck}) and the fence that keeps a JVM that lost
 * it from writing the database.
 *
 * <p>{@link org.hapager.derby.lock.DatabaseLock} is the lock: a lock with an expiry on page 0 of a lock volume,
 * its algorithm (sanlock's delta leases), its states (HELD, SUSPENDED, FENCED, …) and the argument that two
 * JVMs never hold it at once.
 * {@link org.hapager.derby.lock.WriteFence} is the gate a database's writes pass, at the pager's send and in
 * the storage factory. {@code LockAcquisition}, {@code LockRenewal} and {@code LockPage} carry out the
 * lock's steps; {@link org.hapager.derby.lock.LockRecord} is the page's format; {@link
 * org.hapager.derby.lock.LockConfig} its timing. Threads: the caller's for acquire and release, one daemon
 * renewal thread per held lock, the pager's I/O thread for the fence's checks at the send.
 *
 * <h2>No write of a fenced JVM lands after the new holder's first</h2>
 * Names as in {@link org.hapager.derby.lock.DatabaseLock}: expiry L, margin M = L / 5, io timeout T,
 * Δ the pager's failover stall (assumption (S) there: a request takes effect less than Δ after the
 * pager last sent it, or never), with Δ &lt; M. P is a JVM whose lock lapsed (a page-server outage, a network
 * partition, a GC pause or SIGSTOP of P: anything that keeps P from renewing), E its expiry then (the instant:
 * the submission of its last completed renewal or claim, + L), and Q a JVM that takes the lock over. "Write" means
 * any change of a file of the database: a page write (the buffer pool's write-backs and Derby's
 * write-through log writes alike), a set-length, create, delete, rename or mkdirs.
 * <ol>
 *   <li><b>A write of P is sent only while P's lock is writable.</b> The database's {@code WriteFence} is
 *       the pager's {@link org.hapager.pager.SendGuard} for the database's directory: the pager's I/O thread
 *       asks it just before each send of a write and before each reissue after a failover, and it lets the
 *       write go only while the lock is HELD and before E − M on P's clock
 *       ({@link org.hapager.derby.lock.DatabaseLock#isWritable()}, against the last completed renewal, not
 *       the renewal thread's progress). A write it refuses is never sent and fails with {@link
 *       org.hapager.derby.lock.LockLapsedException} or, fenced, {@link
 *       org.hapager.derby.lock.DatabaseFencedException}. This covers writes already queued in the pager or
 *       dirty in the pool when the lock lapses: they are refused at their next send, however long they
 *       waited.</li>
 *   <li><b>So every write of P takes effect before E − M + Δ &lt; E</b> (assumption (S)), or never.</li>
 *   <li><b>P's lock-page writes cannot outlive E + Δ either</b>: each carries a send deadline no later than
 *       E (DatabaseLock, "Who writes the page"). No late renewal of P can land on Q's record.</li>
 *   <li><b>Q takes over only after E + M.</b> Q claims only after P's record stayed unchanged for L + M
 *       (step 1), and then, by point 2 of DatabaseLock's argument, P did not hold when Q decided: E had
 *       passed by at least M on Q's clock (rates agree, assumption (C)).</li>
 *   <li><b>Q's first write comes after its claim took effect</b> (Q holds only once its compare-and-write
 *       completed as written): so after E + M. With 2, every write of P took effect before Q's first: the
 *       first property.</li>
 *   <li><b>P resumes only if nobody took over.</b> A SUSPENDED P claims the lock again only on a read of
 *       its own record made after its earlier lock writes were resolved (DatabaseLock, point 7 of the
 *       argument): then no other claim had taken effect, and P's claim is a compare-and-write over that read,
 *       like any other claim, so at most one of P and Q holds. If Q took over, P reads Q's record and is FENCED.</li>
 *   <li><b>Fenced is final.</b> A FENCED lock writes nothing more; its database's fence stays registered
 *       with the pager until the cluster closes, refusing every write of it (its pages in P's pool may be
 *       stale: the storage factory refuses to boot it again in P until then); the storage factory's waits end
 *       at once with {@code DatabaseFencedException}, naming the new holder, and Derby stops the database. A
 *       lock released while SUSPENDED (Derby shut the database down during the lapse) is fenced too: it gave
 *       the lock up without knowing whether it was still its own, so what it had not written yet (dirty pages,
 *       the storage factory's sync at shutdown) must never be.</li>
 *   <li><b>Writers wait, bounded, while P is suspended.</b> The storage factory asks the fence before each
 *       write, sync, set-length and namespace change; while the lock is suspended it waits for the lock (at
 *       most the pager's failover deadline, as for an outage) and starts a sync over when the pager refused
 *       its write-backs. A lock that resumes costs Derby only the wait; a fenced one fails the wait.</li>
 * </ol>
 * Outside the argument, as for the lock itself: a frozen page server that was never fenced resuming, clock
 * rates that differ by more than the margin allows, and writes by anything that does not go through this
 * JVM's pager (the page servers do not check the lock: this is a fence the writer keeps, not a fencing
 * token the storage checks).
 */
package org.hapager.derby.lock;
