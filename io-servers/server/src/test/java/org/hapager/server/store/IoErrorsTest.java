package org.hapager.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import org.hapager.wire.Status;
import org.junit.jupiter.api.Test;

/** The mapping from exceptions to what a client reads: a status and words, no class names, no server paths. */
class IoErrorsTest {

    static final String FILE = "/srv/hapager/data/volumes/db/v";

    static void assertReason(Status status, String words, Throwable cause) {
        assertEquals(new IoErrors.Reason(status, words), IoErrors.reasonOf(cause), String.valueOf(cause));
    }

    @Test
    void javaExceptionTypesMapToWords() {
        assertReason(Status.IO_ERROR, "permission denied", new AccessDeniedException(FILE));
        assertReason(Status.NOT_FOUND, "no such file or directory", new NoSuchFileException(FILE));
        assertReason(Status.ALREADY_EXISTS, "already exists", new FileAlreadyExistsException(FILE));
        assertReason(Status.NOT_EMPTY, "directory not empty", new DirectoryNotEmptyException(FILE));
        assertReason(Status.INVALID, "not a directory", new NotDirectoryException(FILE));
    }

    @Test
    void operatingSystemReasonsMapToWords() {
        assertReason(Status.IO_ERROR, "no space left on device", new FileSystemException(FILE, null, "No space left on device"));
        assertReason(Status.IO_ERROR, "read-only file system", new FileSystemException(FILE, null, "Read-only file system"));
        assertReason(Status.IO_ERROR, "operation not permitted", new FileSystemException(FILE, null, "Operation not permitted"));
        assertReason(Status.IO_ERROR, "disk quota exceeded", new FileSystemException(FILE, null, "Disk quota exceeded"));
        assertReason(Status.INVALID, "not a directory", new FileSystemException(FILE, null, "Not a directory"));
        assertReason(Status.INVALID, "is a directory", new FileSystemException(FILE, null, "Is a directory"));
        assertReason(Status.IO_ERROR, "I/O error", new FileSystemException(FILE, null, "Input/output error"));
        // a channel's pwrite or fdatasync throws a plain IOException whose message is the OS text
        assertReason(Status.IO_ERROR, "no space left on device", new IOException("No space left on device"));
        assertReason(Status.IO_ERROR, "file too large", new IOException("File too large"));
        assertReason(Status.IO_ERROR, "I/O error", new IOException("Input/output error"));
    }

    @Test
    void anythingElseIsAnIoErrorOrAnInternalError() {
        assertReason(Status.IO_ERROR, "I/O error", new FileSystemException(FILE, null, "Stale file handle " + FILE));
        assertReason(Status.IO_ERROR, "I/O error", new IOException("something at " + FILE));
        assertReason(Status.IO_ERROR, "I/O error", new FileSystemException(FILE));
        assertReason(Status.IO_ERROR, "internal error of the server (see its log)", new IllegalStateException(FILE));
        assertReason(Status.IO_ERROR, "permission denied", new CompletionException(new AccessDeniedException(FILE)));
    }

    @Test
    void aFailedFlushNamesTheVolumeAndTheFirstReason() {
        FlushFailedException flush = new FlushFailedException("db/v", Path.of(FILE), new IOException("Input/output error"));
        assertReason(Status.IO_ERROR, "a flush of volume db/v failed (I/O error); the server acknowledges nothing after a"
                + " failed flush", flush);
    }

    @Test
    void aFailureKeepsTheCauseForTheLogAndTellsTheClientWords() {
        FileSystemException cause = new FileSystemException(FILE, null, "No space left on device");
        StoreException e = IoErrors.failure("write volume db/v pages 0..0 of 4096 bytes (offsets 0..4096)",
                new CompletionException(cause));
        assertEquals(Status.IO_ERROR, e.status());
        assertEquals("write volume db/v pages 0..0 of 4096 bytes (offsets 0..4096): no space left on device", e.getMessage());
        assertSame(cause, e.getCause());
        assertFalse(e.getMessage().contains("/srv") || e.getMessage().contains("Exception"), e.getMessage());
    }

    @Test
    void aStoreExceptionCauseKeepsItsStatusAndText() {
        StoreException e = IoErrors.failure("sync volume v: force", new StoreException(Status.SHUTTING_DOWN, "the server is stopping"));
        assertEquals(Status.SHUTTING_DOWN, e.status());
        assertEquals("sync volume v: force: the server is stopping", e.getMessage());
    }
}
