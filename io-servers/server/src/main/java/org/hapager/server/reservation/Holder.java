package org.hapager.server.reservation;

/**
 * Who holds (or wants) the reservation: the address other servers reach it at, its process id and its
 * server id. The holder writes {@link #line()} into the lock file; a taker reads it back with {@link #parse}.
 *
 * <p>Line format: {@code host:port pid serverId} (the server id is the rest of the line and may contain
 * spaces; an IPv6 host is written in brackets).
 */
public record Holder(String host, int port, long pid, String serverId) {

    public Holder {
        if (host == null || host.isBlank() || port < 1 || port > 65535 || pid < 1 || serverId == null || serverId.isBlank()) {
            throw new IllegalArgumentException("holder " + host + ":" + port + " pid " + pid + " id " + serverId
                    + " (expected: host, port 1..65535, pid >= 1, a server id)");
        }
    }

    /** host:port, with brackets around an IPv6 host. */
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The line written into the lock file, without the newline. */
    public String line() {
        return address() + " " + pid + " " + serverId;
    }

    /** For messages: {@code server ID at HOST:PORT (pid N)}. */
    public String describe() {
        return "server " + serverId + " at " + address() + " (pid " + pid + ")";
    }

    /**
     * Parses a holder line; throws {@link IllegalArgumentException} naming the line if it is malformed (a holder
     * that has taken the lock but not yet written its line leaves an empty or stale file).
     */
    public static Holder parse(String line) {
        String[] parts = line.strip().split(" ", 3);
        if (parts.length < 3) {
            throw new IllegalArgumentException("holder line '" + line.strip() + "' (expected: host:port pid serverId)");
        }
        int colon = parts[0].lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("holder address '" + parts[0] + "' in line '" + line.strip() + "' (expected: host:port)");
        }
        String host = parts[0].substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new Holder(host, Integer.parseInt(parts[0].substring(colon + 1)), Long.parseLong(parts[1]), parts[2].strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("holder line '" + line.strip() + "': " + e.getMessage() + " (expected: host:port pid serverId)");
        }
    }
}
