package org.hapager.derby.lock;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * What the lock page of a {@link DatabaseLock} says: who wrote it, how often they have renewed, and whether
 * they hold or released the lock. Every record a lock writes is distinct from every other record ever
 * written to that page (a fresh owner UUID per {@link DatabaseLock}, and a counter that grows with each of
 * its writes), so "the page has not changed" can be decided by comparing bytes.
 *
 * <h2>Layout</h2>
 * Big-endian, at the start of page 0 of the lock volume; the rest of the page is zero.
 * <pre>
 *  offset  size  field
 *       0     4  magic 0x48504C4B ("HPLK")
 *       4     2  format version (1)
 *       6     1  state: 1 HELD, 2 RELEASED
 *       7     1  reserved, 0
 *       8    16  owner id (UUID: most, then least significant bits)
 *      24     8  counter: grows by one with every write of the owner
 *      32     2  n = length of the owner's description in UTF-8 (at most 255)
 *      34     n  owner's description (host and pid, for messages only)
 *    34+n     4  CRC32C of bytes [0, 34+n)
 * </pre>
 * A page of zeros (a fresh volume, or read past its end) holds no record: the lock is free.
 *
 * @param state       HELD or RELEASED
 * @param owner       the writer's id
 * @param counter     the writer's renewal counter
 * @param description host and pid of the writer, for messages
 */
public record LockRecord(State state, UUID owner, long counter, String description) {

    /** The smallest page a record fits in, and the page size a lock uses for its volume. */
    public static final int PAGE_SIZE = 512;
    static final int MAGIC = 0x48504C4B;
    static final short VERSION = 1;
    static final int MAX_DESCRIPTION_BYTES = 255;
    private static final int HEADER = 34;

    /** Whether the writer holds the lock or gave it up. */
    public enum State {
        HELD(1), RELEASED(2);

        final byte code;

        State(int code) {
            this.code = (byte) code;
        }
    }

    public LockRecord {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(description, "description");
        description = truncate(description);
    }

    /** The record in a fresh buffer of {@code pageSize} bytes (position 0, limit pageSize), zero after it. */
    public ByteBuffer encode(int pageSize) {
        byte[] text = description.getBytes(StandardCharsets.UTF_8);
        if (pageSize < PAGE_SIZE) {
            throw new IllegalArgumentException("pageSize : " + pageSize + " (expected: at least " + PAGE_SIZE + ")");
        }
        ByteBuffer page = ByteBuffer.allocate(pageSize);
        page.putInt(MAGIC).putShort(VERSION).put(state.code).put((byte) 0)
                .putLong(owner.getMostSignificantBits()).putLong(owner.getLeastSignificantBits())
                .putLong(counter).putShort((short) text.length).put(text);
        CRC32C crc = new CRC32C();
        crc.update(page.array(), 0, page.position());
        page.putInt((int) crc.getValue());
        return page.clear();
    }

    /** The next record of the same owner: counter + 1 in {@code newState}. */
    LockRecord next(State newState) {
        return new LockRecord(newState, owner, counter + 1, description);
    }

    /** For messages: {@code host h pid p (owner 1b2c…, counter 7, HELD)}. */
    @Override
    public String toString() {
        return description + " (owner " + owner + ", counter " + counter + ", " + state + ")";
    }

    /**
     * What a lock page holds. {@link Blank}: nothing (all zeros), the lock is free. {@link Valid}: a record.
     * {@link Unreadable}: something that is not a record of this format (wrong magic or checksum): a lock
     * treats it like the record of a holder it cannot name. {@link #decode} throws instead for a record of a
     * newer format version, which this code must not overwrite.
     */
    public sealed interface Content permits Blank, Valid, Unreadable {
    }

    /** A page of zeros. */
    public record Blank() implements Content {
    }

    /** A well-formed record. */
    public record Valid(LockRecord record) implements Content {
    }

    /** A page that is neither zeros nor a record; {@code why} says what is wrong. */
    public record Unreadable(String why) implements Content {
    }

    /** Thrown for a record written by a newer version of this code. */
    public static final class UnsupportedFormatException extends java.io.IOException {
        UnsupportedFormatException(String message) {
            super(message);
        }
    }

    /**
     * Decodes page 0 of a lock volume ({@code page} from position to limit; neither is changed).
     *
     * @throws UnsupportedFormatException for a well-formed record of a format version above 1
     */
    public static Content decode(ByteBuffer page) throws UnsupportedFormatException {
        ByteBuffer b = page.duplicate();
        if (isZero(b)) {
            return new Blank();
        }
        if (b.remaining() < HEADER + 4) {
            return new Unreadable(b.remaining() + " bytes: too short for a lock record");
        }
        int start = b.position();
        int magic = b.getInt();
        if (magic != MAGIC) {
            return new Unreadable(String.format("magic 0x%08x (expected 0x%08x)", magic, MAGIC));
        }
        short version = b.getShort();
        byte stateCode = b.get();
        b.get();
        long most = b.getLong();
        long least = b.getLong();
        long counter = b.getLong();
        int length = b.getShort() & 0xFFFF;
        if (length > MAX_DESCRIPTION_BYTES || b.remaining() < length + 4) {
            return new Unreadable("description length " + length + " (expected: at most " + MAX_DESCRIPTION_BYTES + ")");
        }
        byte[] text = new byte[length];
        b.get(text);
        int stored = b.getInt();
        CRC32C crc = new CRC32C();
        ByteBuffer covered = page.duplicate();
        covered.position(start).limit(start + HEADER + length);
        crc.update(covered);
        if ((int) crc.getValue() != stored) {
            return new Unreadable(String.format("CRC32C 0x%08x does not match the record's 0x%08x", (int) crc.getValue(), stored));
        }
        if (version != VERSION) {
            throw new UnsupportedFormatException("lock record of format version " + version + " (this code reads version "
                    + VERSION + "): written by a newer hapager; refusing to touch it");
        }
        State state = stateCode == State.HELD.code ? State.HELD : stateCode == State.RELEASED.code ? State.RELEASED : null;
        if (state == null) {
            return new Unreadable("state " + stateCode + " (expected: 1 HELD or 2 RELEASED)");
        }
        return new Valid(new LockRecord(state, new UUID(most, least), counter, new String(text, StandardCharsets.UTF_8)));
    }

    private static boolean isZero(ByteBuffer b) {
        for (int i = b.position(); i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** At most {@link #MAX_DESCRIPTION_BYTES} bytes of UTF-8, cut at a character boundary. */
    private static String truncate(String s) {
        if (s.getBytes(StandardCharsets.UTF_8).length <= MAX_DESCRIPTION_BYTES) {
            return s;
        }
        int end = s.length();
        while (s.substring(0, end).getBytes(StandardCharsets.UTF_8).length > MAX_DESCRIPTION_BYTES) {
            end = Character.isLowSurrogate(s.charAt(end - 1)) && end >= 2 ? end - 2 : end - 1;
        }
        return s.substring(0, end);
    }
}
