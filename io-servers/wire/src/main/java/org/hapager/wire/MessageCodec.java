package org.hapager.wire;

import io.netty.buffer.ByteBuf;

/**
 * Encodes and decodes message bodies. Pure functions over {@link ByteBuf}: no channel, no state, so tests
 * drive it directly. Writing is {@link MessageEncoder}'s; reading, which treats every length as hostile, is
 * {@link MessageDecoder}'s.
 *
 * <h2>Bodies</h2>
 * <pre>
 * HELLO       magic:u32 minVersion:u16 maxVersion:u16 clientNonce:32 clientName:str (at most MAX_CLIENT_NAME_BYTES)
 * CHALLENGE   version:u16 serverNonce:32 serverId:str
 * AUTH        clientProof:32 leaseMillis:u32
 * AUTH_OK     serverProof:32 sessionId:u64 leaseMillis:u32 maxInflight:u32 maxFrameBytes:u32
 * REQUEST     requestId:u64 op:u8 op-fields
 *   READ        name:str pageSize:u32 firstPage:u64 pageCount:u32
 *   WRITE, WRITE_BUFFERED   name:str pageSize:u32 firstPage:u64 pageCount:u32 crc:u32×pageCount data:pageSize×pageCount
 *   SYNC, DELETE, STAT, MKDIRS   name:str
 *   CREATE      name:str exclusive:u8
 *   RENAME      name:str target:str replace:u8
 *   LIST        name:str (empty: the root)
 *   SET_LENGTH  name:str length:u64
 *   COMPARE_AND_WRITE  name:str pageSize:u32 page:u64 expectedCrc:u32 dataCrc:u32 expected:pageSize data:pageSize
 * ACCEPTED    requestId:u64
 * COMPLETION  requestId:u64 op:u8 status:u8 then, if status is OK, the outcome, else error:str
 *   READ        volumeLength:u64 pageCount:u32 pageSize:u32 crc:u32×pageCount data:pageSize×pageCount
 *   WRITE, WRITE_BUFFERED   volumeLength:u64
 *   STAT        flags:u8 (1 exists, 2 directory) length:u64
 *   LIST        count:u32 then count × (name:str directory:u8 length:u64)
 *   COMPARE_AND_WRITE  written:u8 volumeLength:u64, then if not written: pageSize:u32 crc:u32 current:pageSize
 *   others      nothing
 * HEARTBEAT, HEARTBEAT_ACK   sequence:u64
 * DRAINING    reason:str
 * YIELD       takerId:str reason:str
 * YIELDED     released:u8 detail:str
 * ERROR       code:u16 text:str
 * </pre>
 */
public final class MessageCodec {

    private final WireLimits limits;
    private final MessageEncoder encoder;
    private final MessageDecoder decoder;

    public MessageCodec(WireLimits limits) {
        this.limits = limits;
        this.encoder = new MessageEncoder(limits);
        this.decoder = new MessageDecoder(limits);
    }

    public WireLimits limits() {
        return limits;
    }

    /**
     * Appends the whole frame (length prefix, type, body) to {@code out}. A frame over {@code maxFrameBytes} or a
     * field that does not fit the protocol raises {@link IllegalArgumentException}.
     */
    public void encodeFrame(Message message, ByteBuf out) {
        encoder.encodeFrame(message, out);
    }

    /** About how many bytes {@link #encodeFrame} writes for {@code message}: see {@link MessageEncoder#frameSizeHint}. */
    public int frameSizeHint(Message message) {
        return encoder.frameSizeHint(message);
    }

    /**
     * Decodes one frame's type and body ({@code frame} holds exactly that: the length prefix already
     * removed). Throws {@link CorruptFrameException} for anything the protocol does not allow.
     */
    public Message decode(ByteBuf frame) {
        return decoder.decode(frame);
    }
}
