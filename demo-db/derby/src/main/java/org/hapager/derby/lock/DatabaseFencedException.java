package org.hapager.derby.lock;

import org.hapager.pager.PageIoException;

/**
 * A write (or sync, set-length, create, delete, rename) of a database refused because this JVM's lock of it
 * was taken over by another JVM, or could not be kept: this JVM is fenced and never writes that database
 * again (see {@link WriteFence}). Derby sees it as an I/O error and stops the database. Final: retrying is
 * pointless, and going back would let two JVMs write one database.
 */
public final class DatabaseFencedException extends PageIoException {

    DatabaseFencedException(String message) {
        super(Kind.REJECTED, message);
    }
}
