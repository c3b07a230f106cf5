package org.hapager.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WireTextTest {

    @Test
    void printableTextIsKept() {
        assertEquals("server B at 127.0.0.1:7071 é😀", WireText.escape("server B at 127.0.0.1:7071 é😀"));
        assertEquals("null", WireText.escape(null));
        assertEquals("", WireText.escape(""));
    }

    @Test
    void lineBreaksQuotesAndControlsAreEscaped() {
        assertEquals("B\\n12:00:00.000 ERROR forged\\r\\n", WireText.escape("B\n12:00:00.000 ERROR forged\r\n"));
        assertEquals("tab\\t quote\\\" backslash\\\\ nul\\u0000 esc\\u001b[31m del\\u007f c1\\u0085",
                WireText.escape("tab\t quote\" backslash\\ nul\0 esc\u001b[31m del\u007f c1\u0085"));
        assertEquals("ls\\u2028ps\\u2029 rlo\\u202e lri\\u2066 lrm\\u200e lone\\ud800", 
                WireText.escape("ls\u2028ps\u2029 rlo\u202e lri\u2066 lrm\u200e lone\ud800"));
    }

    @Test
    void theResultIsOneLineOfAtMostMaxChars() {
        String exactly = "a".repeat(WireText.MAX_CHARS);
        assertEquals(exactly, WireText.escape(exactly));
        String longer = WireText.escape("a".repeat(WireText.MAX_CHARS + 1));
        assertEquals(WireText.MAX_CHARS, longer.length());
        assertTrue(longer.endsWith("…"), longer);
        String newlines = WireText.escape("\n".repeat(8192));
        assertTrue(newlines.length() <= WireText.MAX_CHARS && newlines.endsWith("…") && !newlines.contains("\n"), newlines);
        assertTrue(newlines.startsWith("\\n\\n"), newlines);
    }
}
