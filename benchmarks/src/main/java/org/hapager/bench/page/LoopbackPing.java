package org.hapager.bench.page;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A bare TCP round trip on loopback: one 64-byte message and its echo, one at a time, between two threads
 * with plain blocking sockets. The floor under any request/response protocol on this machine.
 */
final class LoopbackPing {

    private static final int MESSAGE_BYTES = 64;

    private LoopbackPing() {
    }

    static CellResult run(long warmupNanos, long measureNanos) throws IOException, InterruptedException {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                try (Socket s = listener.accept()) {
                    s.setTcpNoDelay(true);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] buffer = new byte[MESSAGE_BYTES];
                    while (readFully(in, buffer)) {
                        out.write(buffer);
                    }
                } catch (IOException ignored) {
                    // the client closed: done
                }
            }, "loopback-echo");
            echo.start();
            LatencyRecorder recorder = new LatencyRecorder();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                s.setTcpNoDelay(true);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buffer = new byte[MESSAGE_BYTES];
                long measureFrom = System.nanoTime() + warmupNanos;
                long end = measureFrom + measureNanos;
                long now = System.nanoTime();
                while (now < end) {
                    out.write(buffer);
                    if (!readFully(in, buffer)) {
                        throw new IOException("echo closed early");
                    }
                    long done = System.nanoTime();
                    if (now >= measureFrom) {
                        recorder.record(done - now);
                    }
                    now = done;
                }
            }
            echo.join();
            return CellResult.of("loopback", "rtt", 1, recorder, measureNanos / 1e9);
        }
    }

    private static boolean readFully(InputStream in, byte[] buffer) throws IOException {
        int off = 0;
        while (off < buffer.length) {
            int n = in.read(buffer, off, buffer.length - off);
            if (n < 0) {
                return false;
            }
            off += n;
        }
        return true;
    }
}
