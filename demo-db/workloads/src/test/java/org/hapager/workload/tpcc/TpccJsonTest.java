package org.hapager.workload.tpcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.hapager.workload.tpcc.checks.Violation;
import org.hapager.workload.tpcc.driver.FailureInfo;
import org.hapager.workload.tpcc.driver.Snapshot;
import org.hapager.workload.tpcc.driver.TpccResult;
import org.hapager.workload.tpcc.driver.TypeResult;
import org.hapager.workload.tpcc.transactions.TransactionType;
import org.junit.jupiter.api.Test;

/** The result's hand-written JSON is well-formed, escapes what it must, and carries the documented members. */
class TpccJsonTest {

    @Test
    void resultJsonIsWellFormedAndEscaped() {
        Map<TransactionType, TypeResult> types = new EnumMap<>(TransactionType.class);
        for (TransactionType t : TransactionType.values()) {
            types.put(t, new TypeResult(t, 10, t == TransactionType.NEW_ORDER ? 1 : 0, 2, 1, 0,
                    new TypeResult.Latency(11, 1.5, 1, 2, 3, 4, 5, 6)));
        }
        TpccResult r = new TpccResult(Instant.parse("2025-01-02T03:04:05Z"), 3.0, 2, TpccScale.reduced(2, 100), 42,
                new NURandConstants(40, 1, 2), types, true,
                List.of(new Violation(2, 1, 3, "D_NEXT_O_ID - 1 = 30, \"max\"")), null,
                List.of(new FailureInfo("payment", 1.25, "XJ001", "boom\twith \\ and\nnewline", "at x\n\tat y\u0001")),
                0, List.of(new Snapshot(1, 1, 600, 20, 2.5, 9.75, 0, 1, 0, 1)));
        String json = r.toJson();
        assertValidJson(json);
        assertTrue(json.startsWith("{\"schema\":\"hapager.tpcc.result/1\",\"started_at\":\"2025-01-02T03:04:05Z\""), json);
        assertTrue(json.contains("\"tpmC\":200,"), json); // 10 New-Orders in 3 s
        assertTrue(json.contains("\"boom\\twith \\\\ and\\nnewline\""), json);
        assertTrue(json.contains("\\u0001"), json);
        assertTrue(json.contains("\"detail\":\"D_NEXT_O_ID - 1 = 30, \\\"max\\\"\""), json);
        assertTrue(json.contains("\"consistency\":{\"checked\":true,\"passed\":false,\"error\":null"), json);
        assertTrue(json.endsWith("\"passed\":false}"), json);
        for (String member : List.of("duration_s", "terminals", "think_times", "scale", "seed", "nurand", "tps",
                "totals", "transactions", "new_order", "payment", "order_status", "delivery", "stock_level",
                "latency_ms", "p99_9", "violations", "failures_kept", "connect_failures", "intervals", "lat_p99_ms")) {
            assertTrue(json.contains("\"" + member + "\":"), member);
        }
    }

    /** A strict enough recursive-descent check that {@code json} is one JSON value and nothing else. */
    static void assertValidJson(String json) {
        int end = new Parser(json).value(0);
        assertEquals(json.length(), end, "trailing text after the JSON value");
    }

    private record Parser(String s) {
        int value(int i) {
            i = ws(i);
            char c = s.charAt(i);
            if (c == '{') {
                return members(i + 1, '}', true);
            }
            if (c == '[') {
                return members(i + 1, ']', false);
            }
            if (c == '"') {
                return string(i);
            }
            for (String lit : List.of("true", "false", "null")) {
                if (s.startsWith(lit, i)) {
                    return i + lit.length();
                }
            }
            int j = i;
            while (j < s.length() && "-+.eE0123456789".indexOf(s.charAt(j)) >= 0) {
                j++;
            }
            assertTrue(j > i && s.substring(i, j).matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?"),
                    "bad number at " + i + ": " + s.substring(i, Math.min(s.length(), i + 20)));
            return j;
        }

        int members(int i, char close, boolean object) {
            i = ws(i);
            if (s.charAt(i) == close) {
                return i + 1;
            }
            while (true) {
                if (object) {
                    i = string(ws(i));
                    i = ws(i);
                    assertEquals(':', s.charAt(i), "colon at " + i);
                    i++;
                }
                i = ws(value(i));
                if (s.charAt(i) == close) {
                    return i + 1;
                }
                assertEquals(',', s.charAt(i), "comma at " + i);
                i++;
            }
        }

        int string(int i) {
            assertEquals('"', s.charAt(i), "string at " + i);
            i++;
            while (s.charAt(i) != '"') {
                char c = s.charAt(i);
                assertTrue(c >= 0x20, "raw control character at " + i);
                if (c == '\\') {
                    char e = s.charAt(i + 1);
                    assertTrue("\"\\/bfnrtu".indexOf(e) >= 0, "bad escape at " + i);
                    i += e == 'u' ? 6 : 2;
                } else {
                    i++;
                }
            }
            return i + 1;
        }

        int ws(int i) {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            return i;
        }
    }
}
