package org.hapager.workload.result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hapager.workload.driver.DriverResult;
import org.hapager.workload.driver.FailureInfo;
import org.hapager.workload.driver.Snapshot;
import org.hapager.workload.driver.TypeResult;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The result JSON validates against the published JSON Schema ({@code workload-result.schema.json}, draft
 * 2020-12) with a real validator, escapes what it must, and the schema is strict enough to refuse a result
 * that lost a member or carries a wrong type.
 */
public class WorkloadResultJsonTest {

    private static final Schema SCHEMA = loadSchema();

    @Test
    void aTpccLikeResultMatchesTheSchemaAndIsEscaped() throws Exception {
        String json = sample(0, 600).toJson();
        assertMatchesSchema(json);
        JsonNode doc = new ObjectMapper().readTree(json);
        assertEquals(WorkloadResult.SCHEMA, doc.get("schema").asString());
        assertEquals(200, doc.get("tpmC").asDouble(), json); // 10 New-Orders in 3 s
        assertEquals("boom\twith \\ and\nnewline", doc.get("failures_kept").get(0).get("message").asString());
        assertEquals("at x\n\tat y\u0001", doc.get("failures_kept").get(0).get("stack").asString());
        assertEquals("jdbc:derby:memory:x;create=true \"quoted\"", doc.get("config").get("url").asString());
        assertFalse(doc.get("passed").asBoolean()); // one failure, one check violated
        assertEquals("new_order", doc.get("transactions").get(0).get("type").asString());
        assertEquals(600, doc.get("intervals").get(0).get("tpmC").asDouble(), json);
    }

    @Test
    void aScriptResultWithoutPerMinuteRateMatchesTheSchema() {
        String json = sample(-1, 2.5).toJson();
        assertMatchesSchema(json);
        assertTrue(json.contains("\"tpmC\":null"), json); // NaN is written as null, at the top and per interval
        assertFalse(json.contains("NaN"), json);
    }

    @Test
    void theSchemaRefusesBrokenResults() {
        String json = sample(0, 1).toJson();
        assertFalse(SCHEMA.validate(json.replace("\"clients\":2", "\"clients\":\"two\""), InputFormat.JSON).isEmpty());
        assertFalse(SCHEMA.validate(json.replace("\"passed\":false}", "\"extra\":1}"), InputFormat.JSON).isEmpty());
        assertFalse(SCHEMA.validate(json.replace(WorkloadResult.SCHEMA, "hapager.workload.result/0"),
                InputFormat.JSON).isEmpty());
        assertFalse(SCHEMA.validate(json.replace("\"p99_9\":", "\"p999\":"), InputFormat.JSON).isEmpty());
    }

    /** Fails with every validation error when {@code json} does not match the schema. */
    public static void assertMatchesSchema(String json) {
        List<Error> errors = SCHEMA.validate(json, InputFormat.JSON);
        assertTrue(errors.isEmpty(), () -> errors + "\n" + json);
    }

    private static WorkloadResult sample(int perMinuteType, double intervalRate) {
        List<TypeResult> types = List.of(
                new TypeResult("new_order", 10, 1, 2, 1, new TypeResult.Latency(11, 1.5, 1, 2, 3, 4, 5, 6)),
                new TypeResult("payment", 20, 0, 0, 0, new TypeResult.Latency(20, 1, 1, 1, 1, 1, 1, 1)));
        DriverResult run = new DriverResult("tpcc", Instant.parse("2025-01-02T03:04:05Z"), 3.0, 2, types,
                perMinuteType, List.of(new FailureInfo("payment", 1.25, "XJ001", "boom\twith \\ and\nnewline",
                        "at x\n\tat y\u0001")), 0,
                List.of(new Snapshot(1, 1, perMinuteType < 0 ? Double.NaN : intervalRate, 20, 2.5, 9.75, 0, 1, 0, 1)));
        Map<String, String> config = new LinkedHashMap<>();
        config.put("url", "jdbc:derby:memory:x;create=true \"quoted\"");
        config.put("seed", "42");
        return new WorkloadResult(run, config,
                List.of(new StorageFigure("reissues", 18, "page requests reissued")),
                List.of(new RunEvent(1.0, "kill9", "kill -9 of 127.0.0.1:1 (pid 2)")),
                List.of(new CheckResult("condition 1", true, ""), new CheckResult("condition 2", false, "x")));
    }

    private static Schema loadSchema() {
        try (InputStream in = WorkloadResult.class.getResourceAsStream("workload-result.schema.json")) {
            if (in == null) {
                throw new IllegalStateException("workload-result.schema.json is not on the class path");
            }
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
