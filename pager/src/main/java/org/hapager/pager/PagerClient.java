package org.hapager.pager;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import io.micrometer.core.instrument.Gauge;
import org.hapager.pager.failover.FailoverController;
import org.hapager.pager.record.CallbackRecord;
import org.hapager.pager.metrics.PagerMetrics;
import org.hapager.pager.record.RecordTable;
import org.hapager.pager.session.ServerConnection;
import org.hapager.wire.HandshakeProof;
import org.hapager.wire.MessageCodec;
import org.hapager.wire.Op;
import org.hapager.wire.Outcome;
import org.hapager.wire.PageChecksums;
import org.hapager.wire.VolumeName;

/**
 * Asynchronous page I/O against page servers. Every operation returns a {@link CompletableFuture} at once
 * and the caller keeps running while the request is in flight (claim 1 of the patent). If the server doing
 * the I/O dies, freezes or is cut off, the client issues the request again to the next configured server
 * from the callback record it kept, and the caller's future completes normally, once (claims 1 to 7; see
 * {@link org.hapager.pager.record.RecordTable} and {@link org.hapager.pager.failover.FailoverController}).
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Write buffers are pinned.</b> The bytes of a write (its buffer from position to limit) must not be
 *       modified until the write's future completes: the client keeps the buffer, not a copy, so that it
 *       can send the same bytes again. The buffer's position and limit are not changed.</li>
 *   <li><b>Order.</b> Requests that touch a common page (or name) take effect in the order they were
 *       submitted: writes to one page apply in submission order, and a read returns the latest write
 *       submitted before it. Requests that do not conflict run concurrently and complete in any order.</li>
 *   <li><b>Lengths.</b> The volume length a read or write reports is the one the server saw when it executed
 *       that request: writes to other pages still in flight may or may not be in it. {@link #stat} is ordered
 *       after every earlier request on its volume, so its length is exact.</li>
 *   <li><b>Durability.</b> A write or set-length completes when it is durable on the servers' storage; create,
 *       delete, rename and mkdirs are durable when they complete; sync completes after every earlier request
 *       on its volume.</li>
 *   <li><b>Integrity.</b> Each page carries the writer's CRC32C, checked by the server; each page read is
 *       checked here. A mismatch fails the request with {@link PageIoException.Kind#CHECKSUM_MISMATCH}
 *       naming the volume and page: never data.</li>
 *   <li><b>Backpressure.</b> At most {@link PagerConfig#maxInflight()} requests are in flight. A submit
 *       beyond that waits up to {@link PagerConfig#submitTimeout()} and then fails with
 *       {@link PageIoException.Kind#REJECTED}; on the I/O thread itself it fails at once rather than block.</li>
 *   <li><b>Availability.</b> While at least one configured server lives, no request fails because another
 *       died. With none serving, a request waits up to {@link PagerConfig#failoverDeadline()} and then fails
 *       with {@link PageIoException.Kind#UNAVAILABLE}, naming every server and the request.</li>
 *   <li><b>Compare-and-write.</b> {@link #compareAndWrite} changes one page only if it holds expected bytes,
 *       atomically on the server; ordered and guarded like a write of that page.</li>
 *   <li><b>Send guards.</b> A write may carry a send deadline, and a directory's changes may be put under a
 *       {@link SendGuard} ({@link #guard}): both are checked on the I/O thread before every send of the request,
 *       reissues included, and a refused request completes with the refusal, never sent. So a caller can bound
 *       when a write takes effect (the Derby lock's fence), not only when it was submitted.</li>
 *   <li><b>Callbacks run on the I/O thread.</b> Futures complete on the client's single I/O thread. Keep
 *       dependent actions short, or use the {@code …Async} variants: blocking there stalls every request.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * Callers of any thread create a {@link CallbackRecord} and put it on {@code incoming}; one drain task on
 * the I/O thread moves everything queued into the {@link RecordTable}, which gives each record its id in
 * that admission order, and sends it with one flush. The table, the connections and every record's state
 * belong to that thread. A submit that races {@link #close} still completes its future exactly once: the
 * I/O thread's last drain or the submitting thread itself fails whatever close left in the queue.
 */
public final class PagerClient implements AutoCloseable {

    private final PagerConfig config;
    private final EventLoopGroup group;
    private final EventLoop ioThread;
    private final Semaphore permits;
    private final PagerMetrics metrics;
    /** This client's gauges, removed from the registry at close. */
    private final java.util.List<Gauge> gauges = new java.util.ArrayList<>();
    private final RecordTable table;
    private final FailoverController failover;
    private final Queue<CallbackRecord> incoming = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    /** See {@link #guard}: read at every submission of a change, rarely written. */
    private final java.util.concurrent.CopyOnWriteArrayList<GuardEntry> guards = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Runnable drainTask = this::drainIncoming;
    private volatile boolean closed;

    private PagerClient(PagerConfig config) {
        this.config = config;
        boolean epoll = Epoll.isAvailable();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("hapager-pager-io", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        this.ioThread = group.next();
        this.permits = new Semaphore(config.maxInflight());
        this.metrics = new PagerMetrics(config.meterRegistry(), () -> config.maxInflight() - permits.availablePermits());
        this.table = new RecordTable(permits, config.maxInflight(), metrics, ioThread.ticker()::nanoTime);
        Class<? extends Channel> channelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        MessageCodec codec = new MessageCodec(config.limits());
        HandshakeProof proof = new HandshakeProof(config.token());
        this.failover = new FailoverController(config.servers(),
                (address, listener) -> ServerConnection.connect(ioThread, channelClass, address, codec, proof,
                        config.clientName(), config.lease().toMillis(), config.heartbeatInterval().toNanos(),
                        (int) config.connectTimeout().toMillis(), listener),
                table, metrics, ioThread, config.failoverDeadline().toNanos());
        gauges.add(Gauge.builder("hapager.pager.unsynced", table::unsyncedBytes).baseUnit("bytes")
                .description("Bytes of acknowledged buffered writes the client keeps until a sync makes them durable")
                .register(config.meterRegistry()));
        for (int i = 0; i < config.servers().size(); i++) {
            int index = i;
            gauges.add(Gauge.builder("hapager.pager.server.current", () -> failover.servingIndex() == index ? 1 : 0)
                    .description("1 for the page server the client currently sends to")
                    .tag("server", config.servers().get(i).getHostString() + ":" + config.servers().get(i).getPort())
                    .register(config.meterRegistry()));
        }
    }

    /**
     * Connects to the first configured server that answers (in order) and authenticates. Blocks until a
     * session is serving, or fails after {@code connectTimeout} × number of servers.
     */
    public static PagerClient connect(PagerConfig config) throws PageIoException {
        PagerClient client = new PagerClient(config);
        client.ioThread.execute(client.failover::start);
        long waitMillis = config.connectTimeout().toMillis() * config.servers().size();
        try {
            client.failover.firstServing().get(waitMillis, TimeUnit.MILLISECONDS);
            return client;
        } catch (ExecutionException | TimeoutException e) {
            String servers = client.ioThread.submit(client.failover::describeServers).syncUninterruptibly().getNow();
            client.close();
            throw new PageIoException(PageIoException.Kind.UNAVAILABLE, "cannot open a session with any page server within "
                    + waitMillis + " ms: " + servers, e instanceof ExecutionException ? e.getCause() : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new PageIoException(PageIoException.Kind.REJECTED, "interrupted while connecting to " + config.servers(), e);
        }
    }

    // ------------------------------------------------------------------ page I/O

    /** Reads {@code pageCount} pages from {@code firstPage} into a new buffer. */
    public CompletableFuture<PageRead> read(Volume volume, long firstPage, int pageCount) {
        Op.Read op = new Op.Read(volume.name(), volume.pageSize(), firstPage, pageCount);
        String problem = config.limits().checkRun(volume.pageSize(), firstPage, pageCount);
        if (problem != null) {
            return invalid("read of " + volume + ": " + problem);
        }
        return submit(op, null).thenApply(o -> {
            Outcome.PagesRead pages = (Outcome.PagesRead) o;
            return new PageRead(pages.volumeLength(), pages.data());
        });
    }

    /**
     * Reads pages from {@code firstPage} into {@code into} (from its position to its limit, a whole number of
     * pages); the buffer's position and limit are not changed. Completes with the volume's length.
     * {@code into} must not be touched until then.
     */
    public CompletableFuture<Long> read(Volume volume, long firstPage, ByteBuffer into) {
        int pageCount = into.remaining() / volume.pageSize();
        String problem = into.remaining() % volume.pageSize() != 0
                ? "buffer of " + into.remaining() + " bytes is not a whole number of pages"
                : config.limits().checkRun(volume.pageSize(), firstPage, pageCount);
        if (problem != null) {
            return invalid("read of " + volume + ": " + problem);
        }
        Op.Read op = new Op.Read(volume.name(), volume.pageSize(), firstPage, pageCount);
        return submit(op, into.duplicate()).thenApply(o -> ((Outcome.PagesRead) o).volumeLength());
    }

    /**
     * Writes the pages in {@code data} (position to limit, a whole number of pages) from {@code firstPage}.
     * Completes, with the volume's new length, when the pages are durable. See the class contract: the bytes
     * must not change until then.
     */
    public CompletableFuture<Long> write(Volume volume, long firstPage, ByteBuffer data) {
        return write(volume, firstPage, data, null);
    }

    /**
     * {@link #write(Volume, long, ByteBuffer)} that is never sent, nor sent again after a failover, at or after
     * {@code sendByNanos} ({@link System#nanoTime()}): if it is still waiting then (for a server, or behind an
     * earlier write of its pages), it fails with {@link PageIoException.Kind#UNAVAILABLE}, unsent. The write
     * then took effect before that instant or, if the server it was sent to was lost, never will. This bounds
     * when a write can take effect by a deadline of the caller's (a lease's expiry), not only by its
     * completion.
     */
    public CompletableFuture<Long> write(Volume volume, long firstPage, ByteBuffer data, long sendByNanos) {
        return write(volume, firstPage, data, sendDeadline(sendByNanos));
    }

    /** Refuses a send at or after {@code sendByNanos}. */
    private static CallbackRecord.SendCheck sendDeadline(long sendByNanos) {
        return r -> System.nanoTime() - sendByNanos < 0 ? null
                : new PageIoException(PageIoException.Kind.UNAVAILABLE, r.describe() + " was not sent: its send deadline passed "
                        + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sendByNanos) + " ms ago");
    }

    /**
     * Writes the pages like {@link #write(Volume, long, ByteBuffer)}, but completes once a server has written
     * them into the volume, before they are durable: they become durable with the next {@link #sync} of the
     * volume, or the next durable write or length change of it, that completes. A buffered write costs no flush
     * of its own; a database writes its data pages back this way and syncs them at its checkpoint.
     *
     * <p>Acknowledged is not lost: until such a barrier completes the client keeps a copy of the pages, and when
     * the server is lost (its host may have died with the pages in its cache) it writes them again to the next
     * server, in the order they were written, before it sends anything else there. The copies are bounded by
     * {@link PagerConfig#maxUnsyncedBytes()}: past it, buffered writes are sent durable, which also makes the
     * volume's earlier buffered writes durable. The bytes must not change until the future completes.
     */
    public CompletableFuture<Long> writeBuffered(Volume volume, long firstPage, ByteBuffer data) {
        return write(volume, firstPage, data, null, table.unsyncedBytes() < config.maxUnsyncedBytes());
    }

    private CompletableFuture<Long> write(Volume volume, long firstPage, ByteBuffer data, CallbackRecord.SendCheck deadline) {
        return write(volume, firstPage, data, deadline, false);
    }

    private CompletableFuture<Long> write(Volume volume, long firstPage, ByteBuffer data, CallbackRecord.SendCheck deadline,
                                          boolean buffered) {
        int pageCount = data.remaining() / volume.pageSize();
        String problem = data.remaining() % volume.pageSize() != 0
                ? "buffer of " + data.remaining() + " bytes is not a whole number of pages"
                : config.limits().checkRun(volume.pageSize(), firstPage, pageCount);
        if (problem != null) {
            return invalid("write of " + volume + ": " + problem);
        }
        ByteBuffer pages = data.duplicate();
        int[] crcs = PageChecksums.compute(pages, volume.pageSize(), pageCount);
        Op.Write op = new Op.Write(volume.name(), volume.pageSize(), firstPage, pageCount, crcs, pages, !buffered);
        return submit(op, null, deadline).thenApply(o -> ((Outcome.PagesWritten) o).volumeLength());
    }

    /**
     * Compares page {@code page} with {@code expected} and, only if they are equal, writes {@code data} there:
     * one atomic step on the server, which no other write of the volume can split (SCSI's COMPARE AND WRITE,
     * VMware's ATS). Both buffers hold one page (position to limit) and, as for a write, must not change until
     * the future completes. Ordered as a write of that page. Pages past the end of the volume compare as
     * zeros. Completes when the outcome is durable: written, or not written with the page as it was compared.
     *
     * <p><b>Reissue.</b> If a failover leaves the first attempt's outcome unknown and the reissue finds the page
     * already holding {@code data}, the result says written: the first attempt is taken to have written it. So
     * {@code data} must be bytes that nobody else writes (a lock record with an owner id and a counter is).
     */
    public CompletableFuture<CompareAndWriteResult> compareAndWrite(Volume volume, long page, ByteBuffer expected, ByteBuffer data) {
        return compareAndWrite(volume, page, expected, data, null);
    }

    /**
     * {@link #compareAndWrite(Volume, long, ByteBuffer, ByteBuffer)} with a send deadline, as
     * {@link #write(Volume, long, ByteBuffer, long)} has: never sent, nor sent again, at or after
     * {@code sendByNanos} ({@link System#nanoTime()}).
     */
    public CompletableFuture<CompareAndWriteResult> compareAndWrite(Volume volume, long page, ByteBuffer expected, ByteBuffer data,
                                                                    long sendByNanos) {
        return compareAndWrite(volume, page, expected, data, sendDeadline(sendByNanos));
    }

    private CompletableFuture<CompareAndWriteResult> compareAndWrite(Volume volume, long page, ByteBuffer expected, ByteBuffer data,
                                                                     CallbackRecord.SendCheck deadline) {
        int pageSize = volume.pageSize();
        String problem = expected.remaining() != pageSize || data.remaining() != pageSize
                ? "expected " + expected.remaining() + " and data " + data.remaining() + " bytes (expected: one page of " + pageSize + ")"
                : config.limits().checkRun(pageSize, page, 1);
        if (problem != null) {
            return invalid("compare-and-write of " + volume + ": " + problem);
        }
        ByteBuffer was = expected.duplicate();
        ByteBuffer now = data.duplicate();
        Op.CompareAndWrite op = new Op.CompareAndWrite(volume.name(), pageSize, page,
                PageChecksums.compute(was, pageSize, 1)[0], was, PageChecksums.compute(now, pageSize, 1)[0], now);
        return submit(op, null, deadline).thenApply(o -> {
            Outcome.Compared c = (Outcome.Compared) o;
            return new CompareAndWriteResult(c.written(), c.volumeLength(), c.current());
        });
    }

    /** Completes when every earlier request on the volume has completed and the volume is durable. */
    public CompletableFuture<Void> sync(String volume) {
        return nameChecked(volume, () -> done(submit(new Op.Sync(volume), null)));
    }

    // ------------------------------------------------------------------ namespace

    /** Creates an empty volume and missing parent directories; {@code exclusive} fails if it exists. */
    public CompletableFuture<Void> create(String volume, boolean exclusive) {
        return nameChecked(volume, () -> done(submit(new Op.Create(volume, exclusive), null)));
    }

    /** Deletes a volume or an empty directory. */
    public CompletableFuture<Void> delete(String name) {
        return nameChecked(name, () -> done(submit(new Op.Delete(name), null)));
    }

    /** Renames a volume or directory; {@code replace} allows replacing an existing volume. */
    public CompletableFuture<Void> rename(String from, String to, boolean replace) {
        return nameChecked(from, () -> nameChecked(to, () -> done(submit(new Op.Rename(from, to, replace), null))));
    }

    /** Truncates or zero-extends a volume; durable when it completes. */
    public CompletableFuture<Void> setLength(String volume, long length) {
        if (length < 0) {
            return invalid("set length of \"" + volume + "\" to " + length + ": negative length");
        }
        return nameChecked(volume, () -> done(submit(new Op.SetLength(volume, length), null)));
    }

    /** Creates a directory and its parents. */
    public CompletableFuture<Void> mkdirs(String directory) {
        return nameChecked(directory, () -> done(submit(new Op.Mkdirs(directory), null)));
    }

    /** Whether a name exists, is a directory, and its length. */
    public CompletableFuture<VolumeStat> stat(String name) {
        return nameChecked(name, () -> submit(new Op.Stat(name), null).thenApply(o -> {
            Outcome.Stat s = (Outcome.Stat) o;
            return new VolumeStat(s.exists(), s.directory(), s.length());
        }));
    }

    /**
     * Lists a directory ({@code ""} is the root), sorted by name. The names reflect every create, delete and
     * rename submitted before; the lengths are a snapshot that page writes still in flight may not have
     * reached ({@link #stat} is ordered after them).
     */
    public CompletableFuture<List<DirectoryEntry>> list(String directory) {
        String problem = VolumeName.problem(directory, true);
        if (problem != null) {
            return invalid("list of \"" + directory + "\": " + problem);
        }
        return submit(new Op.List(directory), null).thenApply(o -> ((Outcome.Listing) o).entries().stream()
                .map(e -> new DirectoryEntry(e.name(), e.directory(), e.length())).toList());
    }

    // ------------------------------------------------------------------ send guards

    /**
     * Puts every request that changes {@code name} or anything under it (writes, set-length, create, delete,
     * rename, mkdirs; see {@link SendGuard}) under {@code guard}, from the next submission on: the guard is
     * asked before each send, and a request it refuses completes with its failure, unsent. Requests already
     * submitted are not affected. Several guards may cover one name; each must let a request go.
     *
     * <p>Closing the registration also forgets that an acknowledged buffered write under {@code name} was given
     * up (its guard refused it for good after a failover, see {@link SendGuard}): until then every sync,
     * durable write and length change of its volume fails, so that the guard's holder never takes the volume
     * for durable; whoever opens it next must recover from its own log.
     */
    public SendGuard.Registration guard(String name, SendGuard guard) {
        java.util.Objects.requireNonNull(guard, "guard");
        String problem = VolumeName.problem(name, false);
        if (problem != null) {
            throw new IllegalArgumentException("guard of \"" + name + "\": " + problem);
        }
        GuardEntry entry = new GuardEntry(name, guard);
        guards.add(entry);
        return () -> {
            if (guards.remove(entry)) {
                try {
                    ioThread.execute(() -> table.forgetLostWrites(name));
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    // the client is closed: it forgot everything
                }
            }
        };
    }

    private record GuardEntry(String name, SendGuard guard) {
        boolean covers(String n) {
            return n.equals(name) || n.startsWith(name) && n.charAt(name.length()) == '/';
        }
    }

    /** The check of a request's sends: its own deadline (or null) and the guards covering what it changes. */
    private CallbackRecord.SendCheck sendCheck(Op op, CallbackRecord.SendCheck own) {
        if (guards.isEmpty()) {
            return own;
        }
        String first;
        String second = null;
        switch (op.code()) {
            case WRITE, WRITE_BUFFERED, COMPARE_AND_WRITE, SET_LENGTH, CREATE, DELETE, MKDIRS -> first = op.volume();
            case RENAME -> {
                first = op.volume();
                second = ((Op.Rename) op).target();
            }
            default -> {
                return own;
            }
        }
        List<GuardEntry> covering = new java.util.ArrayList<>(1);
        for (GuardEntry g : guards) {
            if (g.covers(first) || second != null && g.covers(second)) {
                covering.add(g);
            }
        }
        if (covering.isEmpty()) {
            return own;
        }
        String a = first;
        String b = second;
        return r -> {
            PageIoException refused = own == null ? null : own.refusal(r);
            for (int i = 0; refused == null && i < covering.size(); i++) {
                GuardEntry g = covering.get(i);
                refused = g.covers(a) ? g.guard.refusal(a, r.op().code().tag()) : null;
                if (refused == null && b != null && g.covers(b)) {
                    refused = g.guard.refusal(b, r.op().code().tag());
                }
            }
            return refused;
        };
    }

    // ------------------------------------------------------------------ lifecycle

    /** Requests submitted and not yet completed. */
    public int inflight() {
        return config.maxInflight() - permits.availablePermits();
    }

    /** Whether {@link #close()} was called: every request from then on fails at once. */
    public boolean isClosed() {
        return closed;
    }

    public PagerConfig config() {
        return config;
    }

    /** The address of the page server requests go to now, or null while none serves. */
    public java.net.InetSocketAddress currentServer() {
        return ioThread.submit(failover::servingAddress).syncUninterruptibly().getNow();
    }

    /** Runs the record table's and the failover controller's invariant checks on the I/O thread (for tests). */
    public void checkInvariants() {
        ioThread.submit(() -> {
            table.assertInvariants();
            failover.assertInvariants();
        }).syncUninterruptibly();
    }

    /**
     * Closes the client: new requests are rejected, requests still in flight fail with
     * {@link PageIoException.Kind#REJECTED}, and the connection and I/O thread stop. To finish in-flight work
     * first, wait on the futures.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // gauges sample this client: a later client on the same registry registers its own
        gauges.forEach(config.meterRegistry()::remove);
        metrics.removeGauges(config.meterRegistry());
        ioThread.execute(() -> {
            drainIncoming();
            PageIoException closing = new PageIoException(PageIoException.Kind.REJECTED, "pager client closed");
            table.closeAll(closing);
            failover.close(closing);
        });
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    // ------------------------------------------------------------------ submission

    private CompletableFuture<Outcome> submit(Op op, ByteBuffer readInto) {
        return submit(op, readInto, null);
    }

    private CompletableFuture<Outcome> submit(Op op, ByteBuffer readInto, CallbackRecord.SendCheck own) {
        if (closed) {
            return rejected("pager client is closed");
        }
        if (!permits.tryAcquire()) {
            if (ioThread.inEventLoop()) {
                return rejected(config.maxInflight() + " requests in flight; a callback on the I/O thread cannot wait for room");
            }
            long start = System.nanoTime();
            Duration timeout = config.submitTimeout();
            try {
                boolean acquired = permits.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS);
                metrics.submitWaited(System.nanoTime() - start);
                if (!acquired) {
                    return rejected(config.maxInflight() + " requests still in flight after waiting " + timeout.toMillis() + " ms");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return rejected("interrupted while waiting for room in flight");
            }
        }
        CallbackRecord record = new CallbackRecord(op, readInto, sendCheck(op, own));
        incoming.add(record);
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                ioThread.execute(drainTask);
            } catch (RejectedExecutionException e) {
                // the I/O thread is gone: close() ran meanwhile, and rejectIncoming below finishes the record
            }
        }
        if (closed) {
            // close() may have drained `incoming` for the last time before the add above: nobody else would
            // ever complete this record (or others added in the same window)
            rejectIncoming();
        }
        return record.future();
    }

    /**
     * After close: fails every record still waiting to be admitted and returns its permit. Any thread; each
     * record is taken from the queue once, by this or by the I/O thread's last drain, so it completes once.
     */
    private void rejectIncoming() {
        CallbackRecord r;
        while ((r = incoming.poll()) != null) {
            permits.release();
            r.future().completeExceptionally(new PageIoException(PageIoException.Kind.REJECTED, "pager client is closed"));
        }
    }

    /** On the I/O thread: admits everything submitted so far and sends it with one flush. */
    private void drainIncoming() {
        drainScheduled.set(false);
        CallbackRecord r;
        while ((r = incoming.poll()) != null) {
            table.admit(r);
        }
        table.sendReady();
    }

    private static <T> CompletableFuture<T> rejected(String why) {
        return CompletableFuture.failedFuture(new PageIoException(PageIoException.Kind.REJECTED, why));
    }

    private static <T> CompletableFuture<T> invalid(String why) {
        return CompletableFuture.failedFuture(new PageIoException(PageIoException.Kind.INVALID, why));
    }

    private static <T> CompletableFuture<T> nameChecked(String name, java.util.function.Supplier<CompletableFuture<T>> action) {
        String problem = VolumeName.problem(name, false);
        return problem != null ? invalid("invalid volume name \"" + name + "\": " + problem) : action.get();
    }

    private static CompletableFuture<Void> done(CompletableFuture<Outcome> f) {
        return f.thenApply(o -> null);
    }
}
