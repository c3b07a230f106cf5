package org.hapager.workload.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The results' JSON: structure and escaping by Jackson, numbers in the results' format. */
class JsonTest {

    @Test
    void writesObjectsArraysAndEscapedStrings() {
        String json = new Json().beginObject().field("name", "a \"quoted\"\\ line\nand\ttab\u0001</script>")
                .field("n", 42).field("ok", true).field("missing", (String) null)
                .name("list").beginArray().value(1).value("x").beginObject().endObject().endArray().endObject().toString();
        assertEquals("{\"name\":\"a \\\"quoted\\\"\\\\ line\\nand\\ttab\\u0001</script>\",\"n\":42,\"ok\":true,"
                + "\"missing\":null,\"list\":[1,\"x\",{}]}", json);
    }

    @Test
    void doublesHaveAtMostThreeDecimalsAndNonFiniteOnesAreNull() {
        String json = new Json().beginArray().value(1.0).value(2.5).value(3.14159).value(-0.0001).value(1e9 / 3)
                .value(Double.NaN).value(Double.POSITIVE_INFINITY).endArray().toString();
        assertEquals("[1,2.5,3.142,0,333333333.333,null,null]", json);
    }

    @Test
    void aMalformedDocumentIsRefused() {
        assertThrows(RuntimeException.class, () -> new Json().beginObject().value(1));
        assertThrows(RuntimeException.class, () -> new Json().beginArray().endObject());
    }
}
