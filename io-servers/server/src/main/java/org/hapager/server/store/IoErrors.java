package org.hapager.server.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import org.hapager.wire.Status;
import org.hapager.server.log.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a client is told when the storage fails: the one place that turns an exception into a protocol
 * {@link Status} and a reason in words ("permission denied", "no space left on device", "not a directory" …).
 *
 * <p>A completion's error text is {@code "<operation> volume <name> …: <reason>"}, where the name is relative to
 * the volumes root. It never carries an exception class, an absolute server path or a stack: those go to the
 * server's log, written here when the failure is described ({@link #failure}): at most one line
 * per kind of failure every 10 s, the next one counting those left out ({@link RateLimitedLog}), so a failing disk
 * cannot flood the log.
 *
 * <p>The reason comes from the exception's type where Java has one ({@link AccessDeniedException},
 * {@link NoSuchFileException} …), else from the operating system's error text ({@link FileSystemException#getReason},
 * or the message of a plain {@link IOException} from a channel, which is that text alone), matched against the
 * known texts below; anything else is an "I/O error". Stateless apart from the log's rate limit; thread-safe.
 */
public final class IoErrors {

    private static final Logger log = LoggerFactory.getLogger(IoErrors.class);


    /** A reason in words and the status it maps to. */
    public record Reason(Status status, String words) {
    }

    /** Operating-system error texts (strerror, as the JDK reports them) and what the client is told. */
    private static final List<Known> KNOWN = List.of(
            new Known("No space left on device", Status.IO_ERROR, "no space left on device"),
            new Known("Disk quota exceeded", Status.IO_ERROR, "disk quota exceeded"),
            new Known("Read-only file system", Status.IO_ERROR, "read-only file system"),
            new Known("Permission denied", Status.IO_ERROR, "permission denied"),
            new Known("Operation not permitted", Status.IO_ERROR, "operation not permitted"),
            new Known("Not a directory", Status.INVALID, "not a directory"),
            new Known("Is a directory", Status.INVALID, "is a directory"),
            new Known("Directory not empty", Status.NOT_EMPTY, "directory not empty"),
            new Known("File exists", Status.ALREADY_EXISTS, "already exists"),
            new Known("No such file or directory", Status.NOT_FOUND, "no such file or directory"),
            new Known("File too large", Status.IO_ERROR, "file too large"),
            new Known("File name too long", Status.INVALID, "file name too long"),
            new Known("Too many open files", Status.IO_ERROR, "too many open files"),
            new Known("Too many levels of symbolic links", Status.INVALID, "too many levels of symbolic links"),
            new Known("Invalid cross-device link", Status.INVALID, "the source and target are on different file systems"),
            new Known("Input/output error", Status.IO_ERROR, "I/O error"));

    private record Known(String osText, Status status, String words) {
    }

    private static final Reason UNKNOWN_IO = new Reason(Status.IO_ERROR, "I/O error");
    private static final Reason INTERNAL = new Reason(Status.IO_ERROR, "internal error of the server (see its log)");

    private static final RateLimitedLog detailLog = new RateLimitedLog(log, RateLimitedLog.DEFAULT_INTERVAL, System::nanoTime);

    private IoErrors() {
    }

    /**
     * The failure of {@code what} ("write volume db/v pages 0..3 …", in the protocol's terms) because of
     * {@code cause}: a {@link StoreException} with the mapped status and the text {@code what + ": " + reason},
     * the cause attached for the server. A {@link StoreException} cause keeps its status and text (after
     * {@code what}). Logs the cause with its details, rate-limited.
     */
    static StoreException failure(String what, Throwable cause) {
        Throwable t = unwrap(cause);
        if (t instanceof StoreException se) {
            return new StoreException(se.status(), what + ": " + se.getMessage(), se);
        }
        Reason reason = reasonOf(t);
        logDetail(what, reason, t);
        return new StoreException(reason.status(), what + ": " + reason.words(), t);
    }

    /** The status and words a client is told for {@code cause}. */
    public static Reason reasonOf(Throwable cause) {
        Throwable t = unwrap(cause);
        if (t instanceof FlushFailedException flush) {
            Reason first = reasonOf(flush.getCause());
            return new Reason(Status.IO_ERROR, "a flush of volume " + flush.volume() + " failed (" + first.words()
                    + "); the server acknowledges nothing after a failed flush");
        }
        if (t instanceof AccessDeniedException) {
            return new Reason(Status.IO_ERROR, "permission denied");
        }
        if (t instanceof NoSuchFileException) {
            return new Reason(Status.NOT_FOUND, "no such file or directory");
        }
        if (t instanceof FileAlreadyExistsException) {
            return new Reason(Status.ALREADY_EXISTS, "already exists");
        }
        if (t instanceof DirectoryNotEmptyException) {
            return new Reason(Status.NOT_EMPTY, "directory not empty");
        }
        if (t instanceof NotDirectoryException) {
            return new Reason(Status.INVALID, "not a directory");
        }
        if (t instanceof FileSystemException fse) {
            return known(fse.getReason());
        }
        if (t instanceof IOException) {
            return known(t.getMessage());
        }
        return INTERNAL;
    }

    private static Reason known(String osText) {
        if (osText != null) {
            String lower = osText.toLowerCase(Locale.ROOT);
            for (Known k : KNOWN) {
                if (lower.contains(k.osText().toLowerCase(Locale.ROOT))) {
                    return new Reason(k.status(), k.words());
                }
            }
        }
        return UNKNOWN_IO;
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Logs a failure told to a client as {@code reason}, with its exception and stack (rate-limited). */
    static void logDetail(String what, Reason reason, Throwable cause) {
        if (reason == INTERNAL) {
            detailLog.error(reason.words(), "{}: internal error: {}", what, cause.toString(), cause);
        } else {
            detailLog.warn(reason.words(), "{}: {} (told the client; detail: {})", what, reason.words(), cause.toString(), cause);
        }
    }
}
