package org.hapager.cli.workload;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.hapager.workload.result.WorkloadResult;

/** The published JSON Schema of {@code --json} results, checked with a real validator. */
public final class ResultSchema {

    private static final Schema SCHEMA = load();

    private ResultSchema() {
    }

    public static void assertValid(String json) {
        List<Error> errors = SCHEMA.validate(json, InputFormat.JSON);
        assertTrue(errors.isEmpty(), () -> errors + "\n" + json);
    }

    private static Schema load() {
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
