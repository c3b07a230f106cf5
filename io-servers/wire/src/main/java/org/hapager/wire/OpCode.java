package org.hapager.wire;

/** The operation of a request. Codes are part of the protocol: never renumber, only add. */
public enum OpCode {
    READ(1), WRITE(2), SYNC(3), CREATE(4), DELETE(5), RENAME(6), LIST(7), STAT(8), SET_LENGTH(9), MKDIRS(10),
    /** A write acknowledged once the server has written it, durable only at the next barrier: see {@link Op.Write}. */
    WRITE_BUFFERED(11),
    /** One page compared with expected bytes and written only if equal: see {@link Op.CompareAndWrite}. */
    COMPARE_AND_WRITE(12);

    private static final OpCode[] BY_CODE = new OpCode[256];

    static {
        for (OpCode t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    public final int code;
    private final String tag;

    OpCode(int code) {
        this.code = code;
        this.tag = name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The operation with this code, or null if the code is unknown. */
    public static OpCode of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** Lower-case name for metric tags and logs. */
    public String tag() {
        return tag;
    }
}
