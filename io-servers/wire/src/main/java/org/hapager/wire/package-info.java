/**
 * The hapager wire protocol, shared by the pager client and the page server.
 *
 * <p>This package owns the frame layout, the message types, their codec, the volume-name rules and the
 * handshake proofs. It holds no connection state: the client ({@code org.hapager.pager}) and the server
 * ({@code org.hapager.server}) own their sessions. Everything here is safe to call from any thread;
 * the Netty handlers ({@link org.hapager.wire.FrameDecoder}, {@link org.hapager.wire.FrameEncoder}) run on
 * the channel's event loop like any Netty handler.
 *
 * <h2>Frame</h2>
 * <pre>
 * +-------------------+---------+---------------------------------+
 * | length: u32 (BE)  | type:u8 | body: length - 1 bytes          |
 * +-------------------+---------+---------------------------------+
 * </pre>
 * {@code length} counts the type byte and the body. It is bounded by {@code maxFrameBytes}
 * ({@link org.hapager.wire.WireLimits}); a longer frame is never buffered: the connection is closed.
 * Integers are big-endian; strings are a u16 byte count followed by UTF-8.
 *
 * <h2>Conversation</h2>
 * <pre>
 * client                                  server
 *   HELLO(magic, minVersion, maxVersion, clientNonce) ─►
 *                     ◄─ CHALLENGE(version, serverNonce, serverId)
 *   AUTH(clientProof, leaseMillis)        ─►          (nothing is served before this verifies)
 *                     ◄─ AUTH_OK(serverProof, session parameters)
 *   REQUEST(id, op…)                      ─►
 *                     ◄─ ACCEPTED(id)                  the server now references the record (step 414)
 *                     ◄─ COMPLETION(id, status, result) completion and release in one (steps 422, 426)
 *   HEARTBEAT(seq)                        ─►          renews the lease holding every reference
 *                     ◄─ HEARTBEAT_ACK(seq)
 *                     ◄─ DRAINING                      the server is stopping: send nothing new
 *   YIELD(takerId, reason)                ─►          server to server: release the storage reservation
 *                     ◄─ YIELDED(released, detail)     sent once released (drained and durable)
 *   ERROR(code, text) in either direction, then close.
 * </pre>
 */
package org.hapager.wire;
